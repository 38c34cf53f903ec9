//! Amazon Resource Names, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`: what lifeboat
//! learns from them is the account a secret or parameter lives in. A name is only unique
//! within one account, so the scope records the account wherever an ARN says it (a
//! Secrets Manager answer, a Parameter Store answer, an ARN given as the source).

/// The account of an ARN of `service` (`secretsmanager`, `ssm`): twelve digits, or `None`
/// for anything else (a name, another service's ARN, an ARN without an account).
pub fn account<'a>(arn: &'a str, service: &str) -> Option<&'a str> {
    let mut parts = arn.splitn(6, ':');
    (parts.next()? == "arn").then_some(())?;
    let partition = parts.next()?;
    (!partition.is_empty()).then_some(())?;
    (parts.next()? == service).then_some(())?;
    parts.next()?;
    let account = parts.next()?;
    parts.next()?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_of_an_arn() {
        let secret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf";
        assert_eq!(account(secret, "secretsmanager"), Some("123456789012"));
        assert_eq!(account(secret, "ssm"), None, "another service's ARN");
        assert_eq!(
            account(
                "arn:aws-cn:ssm:cn-north-1:000000000001:parameter/shop/prod/KEY",
                "ssm"
            ),
            Some("000000000001")
        );
        for not in [
            "prod/db",
            "arn:aws:secretsmanager:eu-west-1::secret:x",
            "arn:aws:secretsmanager:eu-west-1:12345678901:secret:x",
            "arn:aws:secretsmanager:eu-west-1:12345678901a:secret:x",
            "arn:aws:secretsmanager:eu-west-1:123456789012",
            "arn::secretsmanager:eu-west-1:123456789012:secret:x",
        ] {
            assert_eq!(account(not, "secretsmanager"), None, "{not}");
        }
    }
}
