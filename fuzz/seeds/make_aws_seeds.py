"""Writes the AWS targets' seeds from a real moto server's answers (the bodies exactly as
moto sent them): Secrets Manager's GetSecretValue (an object, a plain string, a binary
secret), Parameter Store's GetParametersByPath pages and GetParameter, STS's
AssumeRoleWithWebIdentity XML, and their errors. Run from fuzz/ with moto importable:
PYTHONPATH=../.tools/moto python3 seeds/make_aws_seeds.py"""
import base64
import json
import os

os.environ.update(AWS_ACCESS_KEY_ID="AKIAFUZZFUZZFUZZFUZZ", AWS_SECRET_ACCESS_KEY="fuzz",
                  AWS_DEFAULT_REGION="us-east-1")
import boto3
from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
server.start()
host, port = server.get_host_and_port()
url = f"http://127.0.0.1:{port}"
bodies = {}


def capture(name):
    def hook(http_response, **_):
        bodies[name] = http_response.content
    return hook


def write(target, name, data):
    with open(f"seeds/{target}/{name}", "wb") as f:
        f.write(data)


sm = boto3.client("secretsmanager", endpoint_url=url)
sm.create_secret(Name="shop/db", SecretString=json.dumps(
    {"DB_URL": "postgres://db/shop", "PORT": 5432, "DEBUG": False}))
sm.create_secret(Name="plain", SecretString="hunter2-plain")
sm.create_secret(Name="binary", SecretBinary=b"\x00\x01binary")
for name, seed in [("shop/db", "object.json"), ("plain", "plain-string.json"),
                   ("binary", "binary.json")]:
    bodies.clear()
    sm.meta.events.register("after-call.*.GetSecretValue", capture(seed))
    sm.get_secret_value(SecretId=name)
    write("aws_secret_answer", seed, bodies[seed])
bodies.clear()
sm.meta.events.register("after-call.*.GetSecretValue", capture("missing"))
try:
    sm.get_secret_value(SecretId="missing")
except Exception:
    pass
write("aws_error", "sm-resource-not-found.json", b"\x01\x90" + bodies["missing"])

ssm = boto3.client("ssm", endpoint_url=url)
for i, (name, value) in enumerate([("db/url", "postgres://db"), ("db/password", "s3cret"),
                                   ("api_key", "k-123"), ("feature/flags/new", "true")]):
    ssm.put_parameter(Name=f"/shop/prod/{name}", Value=value,
                      Type="SecureString" if i % 2 else "String")
bodies.clear()
ssm.meta.events.register("after-call.*.GetParametersByPath", capture("page"))
first = ssm.get_parameters_by_path(Path="/shop/prod/", Recursive=True, WithDecryption=True,
                                   MaxResults=2)
write("aws_parameters", "page-with-next-token.json", bodies["page"])
ssm.get_parameters_by_path(Path="/shop/prod/", Recursive=True, WithDecryption=True,
                           MaxResults=2, NextToken=first["NextToken"])
write("aws_parameters", "last-page.json", bodies["page"])
ssm.meta.events.register("after-call.*.GetParameter", capture("one"))
ssm.get_parameter(Name="/shop/prod/db/url", WithDecryption=True)
write("aws_parameters", "get-parameter.json", bodies["one"])
try:
    ssm.get_parameter(Name="/shop/prod/none", WithDecryption=True)
except Exception:
    pass
write("aws_error", "ssm-parameter-not-found.json", b"\x01\x90" + bodies["one"])

# STS's XML, as lifeboat asks for it (Accept: text/xml); boto3 asks for XML too.
sts = boto3.client("sts", endpoint_url=url)
sts.meta.events.register("after-call.*.AssumeRoleWithWebIdentity", capture("sts"))
sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::123456789012:role/app",
                                  RoleSessionName="lifeboat", WebIdentityToken="eyJ.fuzz.x")
write("aws_credentials", "sts-assume-role-with-web-identity.xml", bodies["sts"])
write("aws_error", "sts-answer.xml", b"\x00\xc8" + bodies["sts"])
server.stop()
