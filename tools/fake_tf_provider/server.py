"""A schema-only Terraform provider (plugin protocol 6) for offline `terraform init/validate/test`.

Terraform cannot download the google and kubernetes providers on the development and CI machines. This process stands
in for one of them: it speaks HashiCorp go-plugin's handshake (AutoMTLS with a throw-away certificate), answers
GetProviderSchema with the subset of the real provider's schema that pybench's modules use (schemas.py) and accepts
every validation call. It cannot plan, read or apply anything: `terraform test` runs against it with `mock_provider`
blocks, which only need the schema.

Usage (Terraform starts it through the wrapper script that mirror.py writes): server.py google|kubernetes
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import sys
import threading
from concurrent import futures
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tfplugin_proto import tfplugin6_5_pb2 as pb
from tfplugin_proto import tfplugin6_5_pb2_grpc as pb_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
import schemas

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
}


def _block(spec: dict) -> pb.Schema.Block:
    block = pb.Schema.Block(version=0)
    for name, attr in sorted(spec.get("attributes", {}).items()):
        block.attributes.append(
            pb.Schema.Attribute(
                name=name,
                type=json.dumps(attr["type"]).encode(),
                required=attr.get("required", False),
                optional=attr.get("optional", False),
                computed=attr.get("computed", False),
                sensitive=attr.get("sensitive", False),
            )
        )
    for name, nested in sorted(spec.get("blocks", {}).items()):
        block.block_types.append(
            pb.Schema.NestedBlock(
                type_name=name,
                block=_block(nested),
                nesting=NESTING[nested.get("nesting", "list")],
                min_items=nested.get("min_items", 0),
                max_items=nested.get("max_items", 0),
            )
        )
    return block


class Provider(pb_grpc.ProviderServicer):
    def __init__(self, spec: dict) -> None:
        self.response = pb.GetProviderSchema.Response(
            provider=pb.Schema(version=0, block=_block(spec["provider"])),
            server_capabilities=pb.ServerCapabilities(plan_destroy=True),
        )
        for name, resource in spec["resources"].items():
            self.response.resource_schemas[name].CopyFrom(pb.Schema(version=0, block=_block(resource)))
        for name, data in spec["data_sources"].items():
            self.response.data_source_schemas[name].CopyFrom(pb.Schema(version=0, block=_block(data)))
        self.metadata = pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(plan_destroy=True),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in spec["resources"]],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in spec["data_sources"]],
        )

    def GetMetadata(self, request, context):
        return self.metadata

    def GetProviderSchema(self, request, context):
        return self.response

    def ValidateProviderConfig(self, request, context):
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request, context):
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request, context):
        return pb.ValidateDataResourceConfig.Response()

    def UpgradeResourceState(self, request, context):
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json))

    def GetFunctions(self, request, context):
        return pb.GetFunctions.Response()

    def StopProvider(self, request, context):
        return pb.StopProvider.Response()


def _certificate() -> tuple[bytes, bytes, str]:
    """A self-signed server certificate: (key PEM, cert PEM, unpadded base64 DER for the handshake line)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(True, False, True, True, True, True, False, False, False), critical=True
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    der = cert.public_bytes(serialization.Encoding.DER)
    return key_pem, cert.public_bytes(serialization.Encoding.PEM), base64.b64encode(der).decode().rstrip("=")


def _health_handler() -> grpc.GenericRpcHandler:
    """grpc.health.v1.Health/Check always answering SERVING (serialized HealthCheckResponse{status: 1})."""
    handler = grpc.unary_unary_rpc_method_handler(
        lambda request, context: b"\x08\x01", request_deserializer=None, response_serializer=None
    )
    return grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": handler})


def _controller_handler() -> grpc.GenericRpcHandler:
    """plugin.GRPCController/Shutdown: exit right after answering (go-plugin asks this when Terraform is done and
    otherwise waits two seconds before killing the process)."""

    def shutdown(request, context):
        threading.Timer(0.05, os._exit, args=(0,)).start()
        return b""

    handler = grpc.unary_unary_rpc_method_handler(shutdown, request_deserializer=None, response_serializer=None)
    return grpc.method_handlers_generic_handler("plugin.GRPCController", {"Shutdown": handler})


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in schemas.PROVIDERS:
        print(f"usage: server.py {'|'.join(schemas.PROVIDERS)}", file=sys.stderr)
        return 2
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        print("This binary is a Terraform plugin; Terraform starts it, not people.", file=sys.stderr)
        return 1
    key_pem, cert_pem, cert_b64 = _certificate()
    client_cert = os.environ.get("PLUGIN_CLIENT_CERT", "").encode() or None
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_ProviderServicer_to_server(Provider(schemas.PROVIDERS[argv[1]]), server)
    server.add_generic_rpc_handlers((_health_handler(), _controller_handler()))
    if client_cert:
        # Terraform's certificate is not checked: this is a local, schema-only test double.
        creds = grpc.ssl_server_credentials([(key_pem, cert_pem)])
        port = server.add_secure_port("127.0.0.1:0", creds)
        handshake = f"1|6|tcp|127.0.0.1:{port}|grpc|{cert_b64}"
    else:
        port = server.add_insecure_port("127.0.0.1:0")
        handshake = f"1|6|tcp|127.0.0.1:{port}|grpc"
    server.start()
    print(handshake, flush=True)
    parent = os.getppid()
    # Terraform kills plugins it no longer needs; also stop when the parent goes away.
    while os.getppid() == parent:
        if server.wait_for_termination(timeout=1.0):
            break
    server.stop(grace=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
