output "name" {
  description = "Bucket name."
  value       = google_storage_bucket.results.name
}

output "url" {
  description = "Bucket URL, gs://NAME."
  value       = "gs://${google_storage_bucket.results.name}"
}

output "location" {
  description = "Bucket location."
  value       = google_storage_bucket.results.location
}
