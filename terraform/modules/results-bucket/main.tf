# The results bucket: inference-perf writes its reports here and pybench reads them back.
resource "google_storage_bucket" "results" {
  #checkov:skip=CKV_GCP_62:Access logging needs a second bucket to receive the logs; it is optional (var.log_bucket).
  name                        = var.name
  project                     = var.project_id
  location                    = var.location
  storage_class               = var.storage_class
  labels                      = var.labels
  force_destroy               = var.force_destroy
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = var.versioning
  }

  dynamic "logging" {
    for_each = var.log_bucket == null ? [] : [var.log_bucket]
    content {
      log_bucket        = logging.value
      log_object_prefix = var.name
    }
  }

  dynamic "lifecycle_rule" {
    for_each = var.raw_files_delete_after_days == null ? [] : [var.raw_files_delete_after_days]
    content {
      action {
        type = "Delete"
      }
      condition {
        age            = lifecycle_rule.value
        matches_prefix = var.raw_files_prefixes
      }
    }
  }

  dynamic "lifecycle_rule" {
    for_each = var.versioning && var.noncurrent_versions_delete_after_days != null ? [var.noncurrent_versions_delete_after_days] : []
    content {
      action {
        type = "Delete"
      }
      condition {
        days_since_noncurrent_time = lifecycle_rule.value
        with_state                 = "ARCHIVED"
      }
    }
  }
}
