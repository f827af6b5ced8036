"""The parts of the real providers' schemas that pybench's Terraform uses, for the schema-only fake provider.

Transcribed from hashicorp/terraform-provider-google 7.x (SDKv2: `Optional`+`Elem: &schema.Resource` is a block,
a computed-only nested resource is an attribute of list(object) type, as SDKv2's CoreConfigSchema renders them) and
hashicorp/terraform-provider-kubernetes 3.x. Attribute names, types and required/optional/computed flags must match
the real providers: `terraform validate` then catches a misspelt or missing argument here exactly as it would there.
Add an attribute here only after checking it in the provider's documentation.
"""

STR, INT, BOOL = "string", "number", "bool"


def _list(t):
    return ["list", t]


def _set(t):
    return ["set", t]


def _map(t):
    return ["map", t]


def req(t):
    return {"type": t, "required": True}


def opt(t):
    return {"type": t, "optional": True}


def optc(t):
    return {"type": t, "optional": True, "computed": True}


def comp(t, sensitive=False):
    return {"type": t, "computed": True, "sensitive": sensitive}


def block(attributes=None, blocks=None, nesting="list", min_items=0, max_items=0):
    return {
        "attributes": attributes or {},
        "blocks": blocks or {},
        "nesting": nesting,
        "min_items": min_items,
        "max_items": max_items,
    }


_IAM_CONDITION = block({"expression": req(STR), "title": req(STR), "description": opt(STR)}, max_items=1)


def _iam_member(parent: dict) -> dict:
    return block(
        {**parent, "role": req(STR), "member": req(STR), "etag": comp(STR), "id": optc(STR)},
        {"condition": _IAM_CONDITION},
    )


_GOOGLE_RESOURCES = {
    "google_storage_bucket": block(
        {
            "id": optc(STR),
            "name": req(STR),
            "location": req(STR),
            "project": optc(STR),
            "project_number": comp(INT),
            "force_destroy": opt(BOOL),
            "labels": opt(_map(STR)),
            "terraform_labels": comp(_map(STR)),
            "effective_labels": comp(_map(STR)),
            "storage_class": opt(STR),
            "uniform_bucket_level_access": optc(BOOL),
            "public_access_prevention": optc(STR),
            "requester_pays": opt(BOOL),
            "default_event_based_hold": opt(BOOL),
            "enable_object_retention": opt(BOOL),
            "rpo": optc(STR),
            "self_link": comp(STR),
            "url": comp(STR),
            "time_created": comp(STR),
            "updated": comp(STR),
        },
        {
            "versioning": block({"enabled": req(BOOL)}, max_items=1),
            "logging": block({"log_bucket": req(STR), "log_object_prefix": optc(STR)}, max_items=1),
            "encryption": block({"default_kms_key_name": req(STR)}, max_items=1),
            "soft_delete_policy": block(
                {"retention_duration_seconds": opt(INT), "effective_time": comp(STR)}, max_items=1
            ),
            "lifecycle_rule": block(
                blocks={
                    "action": block(
                        {"type": req(STR), "storage_class": opt(STR)}, nesting="set", min_items=1, max_items=1
                    ),
                    "condition": block(
                        {
                            "age": opt(INT),
                            "created_before": opt(STR),
                            "custom_time_before": opt(STR),
                            "days_since_custom_time": opt(INT),
                            "days_since_noncurrent_time": opt(INT),
                            "noncurrent_time_before": opt(STR),
                            "with_state": optc(STR),
                            "matches_storage_class": opt(_list(STR)),
                            "num_newer_versions": opt(INT),
                            "matches_prefix": opt(_list(STR)),
                            "matches_suffix": opt(_list(STR)),
                            "send_age_if_zero": opt(BOOL),
                        },
                        nesting="set",
                        min_items=1,
                        max_items=1,
                    ),
                },
                max_items=100,
            ),
        },
    ),
    "google_storage_bucket_iam_member": _iam_member({"bucket": req(STR)}),
    "google_project_iam_member": _iam_member({"project": req(STR)}),
    "google_secret_manager_secret_iam_member": _iam_member({"project": optc(STR), "secret_id": req(STR)}),
    "google_container_node_pool": block(
        {
            "id": optc(STR),
            "project": optc(STR),
            "cluster": req(STR),
            "location": optc(STR),
            "name": optc(STR),
            "name_prefix": optc(STR),
            "initial_node_count": optc(INT),
            "node_count": optc(INT),
            "node_locations": optc(_set(STR)),
            "max_pods_per_node": optc(INT),
            "version": optc(STR),
            "operation": comp(STR),
            "instance_group_urls": comp(_list(STR)),
            "managed_instance_group_urls": comp(_list(STR)),
        },
        {
            "autoscaling": block(
                {
                    "min_node_count": opt(INT),
                    "max_node_count": opt(INT),
                    "total_min_node_count": opt(INT),
                    "total_max_node_count": opt(INT),
                    "location_policy": optc(STR),
                },
                max_items=1,
            ),
            "management": block({"auto_repair": opt(BOOL), "auto_upgrade": opt(BOOL)}, max_items=1),
            "placement_policy": block(
                {"type": req(STR), "policy_name": opt(STR), "tpu_topology": opt(STR)}, max_items=1
            ),
            "queued_provisioning": block({"enabled": req(BOOL)}, max_items=1),
            "upgrade_settings": block(
                {"max_surge": optc(INT), "max_unavailable": optc(INT), "strategy": opt(STR)}, max_items=1
            ),
            "node_config": block(
                {
                    "machine_type": optc(STR),
                    "disk_size_gb": optc(INT),
                    "disk_type": optc(STR),
                    "image_type": optc(STR),
                    "labels": optc(_map(STR)),
                    "resource_labels": opt(_map(STR)),
                    "metadata": optc(_map(STR)),
                    "oauth_scopes": optc(_set(STR)),
                    "service_account": optc(STR),
                    "preemptible": opt(BOOL),
                    "spot": opt(BOOL),
                    "tags": opt(_list(STR)),
                    "local_ssd_count": optc(INT),
                },
                {
                    "guest_accelerator": block(
                        {"type": req(STR), "count": req(INT), "gpu_partition_size": opt(STR)},
                        {
                            "gpu_driver_installation_config": block({"gpu_driver_version": req(STR)}, max_items=1),
                            "gpu_sharing_config": block(
                                {"gpu_sharing_strategy": req(STR), "max_shared_clients_per_gpu": req(INT)},
                                max_items=1,
                            ),
                        },
                    ),
                    "reservation_affinity": block(
                        {"consume_reservation_type": req(STR), "key": opt(STR), "values": opt(_set(STR))},
                        max_items=1,
                    ),
                    "shielded_instance_config": block(
                        {"enable_secure_boot": opt(BOOL), "enable_integrity_monitoring": opt(BOOL)}, max_items=1
                    ),
                    "workload_metadata_config": block({"mode": req(STR)}, max_items=1),
                    "taint": block({"key": req(STR), "value": req(STR), "effect": req(STR)}),
                    "gvnic": block({"enabled": req(BOOL)}, max_items=1),
                },
                max_items=1,
            ),
        },
    ),
}

_GOOGLE_DATA_SOURCES = {
    "google_project": block(
        {
            "id": optc(STR),
            "project_id": optc(STR),
            "number": comp(STR),
            "name": comp(STR),
            "org_id": comp(STR),
            "folder_id": comp(STR),
            "labels": comp(_map(STR)),
        }
    ),
    "google_client_config": block(
        {
            "id": comp(STR),
            "project": comp(STR),
            "region": comp(STR),
            "zone": comp(STR),
            "access_token": comp(STR, sensitive=True),
            "default_labels": comp(_map(STR)),
        }
    ),
    "google_container_cluster": block(
        {
            "id": optc(STR),
            "name": req(STR),
            "location": optc(STR),
            "project": optc(STR),
            "endpoint": comp(STR),
            "master_version": comp(STR),
            "self_link": comp(STR),
            "master_auth": comp(
                _list(
                    [
                        "object",
                        {
                            "client_certificate": STR,
                            "client_certificate_config": _list(["object", {"issue_client_certificate": BOOL}]),
                            "client_key": STR,
                            "cluster_ca_certificate": STR,
                        },
                    ]
                )
            ),
            "workload_identity_config": comp(_list(["object", {"workload_pool": STR}])),
        }
    ),
}

GOOGLE = {
    "provider": block(
        {
            "project": opt(STR),
            "region": opt(STR),
            "zone": opt(STR),
            "credentials": opt(STR),
            "access_token": opt(STR),
            "billing_project": opt(STR),
            "user_project_override": opt(BOOL),
            "default_labels": opt(_map(STR)),
            "add_terraform_attribution_label": opt(BOOL),
        }
    ),
    "resources": _GOOGLE_RESOURCES,
    "data_sources": _GOOGLE_DATA_SOURCES,
}


def _k8s_metadata(namespaced: bool) -> dict:
    attributes = {
        "annotations": opt(_map(STR)),
        "labels": opt(_map(STR)),
        "generate_name": opt(STR),
        "name": optc(STR),
        "generation": comp(INT),
        "resource_version": comp(STR),
        "uid": comp(STR),
    }
    if namespaced:
        attributes["namespace"] = opt(STR)
    return block(attributes, min_items=1, max_items=1)


KUBERNETES = {
    "provider": block(
        {
            "host": opt(STR),
            "token": {"type": STR, "optional": True, "sensitive": True},
            "cluster_ca_certificate": opt(STR),
            "client_certificate": opt(STR),
            "client_key": opt(STR),
            "insecure": opt(BOOL),
            "config_path": opt(STR),
            "config_context": opt(STR),
        }
    ),
    "resources": {
        "kubernetes_namespace_v1": block(
            {"id": optc(STR), "wait_for_default_service_account": opt(BOOL)},
            {"metadata": _k8s_metadata(namespaced=False)},
        ),
        "kubernetes_service_account_v1": block(
            {"id": optc(STR), "automount_service_account_token": opt(BOOL), "default_secret_name": comp(STR)},
            {
                "metadata": _k8s_metadata(namespaced=True),
                "secret": block({"name": opt(STR)}, nesting="set"),
                "image_pull_secret": block({"name": opt(STR)}, nesting="set"),
            },
        ),
    },
    "data_sources": {},
}

# provider name -> (version served from the mirror, schema)
PROVIDERS = {"google": GOOGLE, "kubernetes": KUBERNETES}
VERSIONS = {"google": "7.0.0", "kubernetes": "3.0.0"}
