"""Sets up moto for lifeboat's AWS tests, through boto3 (the real AWS SDK for Python).

  init                      an IAM user with a policy and an access key, and a role for a
                            web identity; prints {"access_key_id", "secret_access_key",
                            "role_arn"} (five actions, inside moto's unauthenticated window)
  secret NAME STRING        creates a secret, or a new version of it; prints its VersionId
  binary NAME               a binary secret
  param NAME VALUE TYPE     a parameter (String or SecureString)
  assume ROLE_ARN           the role's temporary credentials (STS AssumeRole, signed);
                            prints {"AccessKeyId", "SecretAccessKey", "SessionToken"}

Every command but init signs with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
"""
import json
import os
import sys

import boto3

url = os.environ["MOTO_URL"]
region = os.environ.get("MOTO_REGION", "us-east-1")


def client(service, keys=None):
    keys = keys or (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    return boto3.client(service, endpoint_url=url, region_name=region,
                        aws_access_key_id=keys[0], aws_secret_access_key=keys[1])


command, args = sys.argv[1], sys.argv[2:]
if command == "init":
    iam = client("iam", ("bootstrap", "bootstrap"))
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["secretsmanager:*", "ssm:*", "kms:*", "sts:*"], "Resource": "*"}]}
    iam.create_user(UserName="lifeboat")
    iam.put_user_policy(UserName="lifeboat", PolicyName="lifeboat", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="lifeboat")["AccessKey"]
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Federated": "oidc.example"}, "Action": "sts:AssumeRoleWithWebIdentity"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/lifeboat"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="app", PolicyName="read", PolicyDocument=json.dumps(policy))
    print(json.dumps({"access_key_id": key["AccessKeyId"],
                      "secret_access_key": key["SecretAccessKey"], "role_arn": role}))
elif command == "secret":
    sm = client("secretsmanager")
    # A new secret is one action (a test may count them: see Moto::start_with_window).
    try:
        answer = sm.create_secret(Name=args[0], SecretString=args[1])
    except sm.exceptions.ResourceExistsException:
        answer = sm.put_secret_value(SecretId=args[0], SecretString=args[1])
    print(answer["VersionId"])
elif command == "binary":
    client("secretsmanager").create_secret(Name=args[0], SecretBinary=b"\x00\x01\x02")
elif command == "param":
    client("ssm").put_parameter(Name=args[0], Value=args[1], Type=args[2], Overwrite=True)
elif command == "assume":
    credentials = client("sts").assume_role(RoleArn=args[0], RoleSessionName="lifeboat-test")["Credentials"]
    print(json.dumps({key: credentials[key] for key in ("AccessKeyId", "SecretAccessKey", "SessionToken")}))
else:
    sys.exit("unknown command " + command)
