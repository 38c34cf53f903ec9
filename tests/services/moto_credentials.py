"""Prints the access key id of the credentials botocore's default chain resolves in this
environment (HOME, AWS_PROFILE, AWS_* variables), or "none": the AWS SDK's own answer to
"which identity signs here", held against lifeboat's in tests/aws.rs. botocore comes with
moto, in .tools/moto.
"""
import botocore.session

credentials = botocore.session.get_session().get_credentials()
print(credentials.get_frozen_credentials().access_key if credentials else "none")
