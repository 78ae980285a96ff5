//! The command line, parsed by hand: three subcommands and a few `--name value` options.

pub const USAGE: &str = "usage:
  palisade-keygen api-key --consumer NAME [--pepper-file FILE] [--scopes a,b] [--roles r,s] \
[--valid-days N]
  palisade-keygen hmac-key --key-id ID [--consumer NAME] [--scopes a,b] [--roles r,s] \
[--valid-days N]
  palisade-keygen pepper
";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Pepper,
    ApiKey(ApiKeyRequest),
    HmacKey(HmacKeyRequest),
}

/// Who a key is for and how long it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub consumer: String,
    pub scopes: Vec<String>,
    pub roles: Vec<String>,
    pub valid_days: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRequest {
    pub holder: Holder,
    pub pepper_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacKeyRequest {
    pub key_id: String,
    pub holder: Holder,
}

/// Days a key lives unless `--valid-days` says otherwise.
const DEFAULT_VALID_DAYS: u64 = 90;

/// Parses the arguments after the program name.
pub fn parse(argv: &[String]) -> Result<Command, String> {
    let Some((command, rest)) = argv.split_first() else {
        return Ok(Command::Help);
    };
    let options = options(rest)?;
    let get = |name: &str| {
        options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let allowed: &[&str] = match command.as_str() {
        "api-key" => &["consumer", "pepper-file", "scopes", "roles", "valid-days"],
        "hmac-key" => &["key-id", "consumer", "scopes", "roles", "valid-days"],
        "pepper" => &[],
        "help" | "--help" | "-h" => return Ok(Command::Help),
        other => return Err(format!("unknown command `{other}`")),
    };
    if let Some((name, _)) = options.iter().find(|(n, _)| !allowed.contains(&n.as_str())) {
        return Err(format!("`{command}` takes no option --{name}"));
    }
    match command.as_str() {
        "api-key" => Ok(Command::ApiKey(ApiKeyRequest {
            holder: holder(&get, get("consumer").ok_or("api-key needs --consumer")?)?,
            pepper_file: get("pepper-file"),
        })),
        "hmac-key" => {
            let key_id = get("key-id").ok_or("hmac-key needs --key-id")?;
            let consumer = get("consumer").unwrap_or_else(|| key_id.clone());
            Ok(Command::HmacKey(HmacKeyRequest {
                holder: holder(&get, consumer)?,
                key_id,
            }))
        }
        _ => Ok(Command::Pepper),
    }
}

/// `--name value` pairs; each name once.
fn options(rest: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut options: Vec<(String, String)> = Vec::new();
    let mut items = rest.iter();
    while let Some(item) = items.next() {
        let name = item
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument `{item}`"))?;
        let value = items
            .next()
            .ok_or_else(|| format!("--{name} needs a value"))?;
        if options.iter().any(|(n, _)| n == name) {
            return Err(format!("--{name} given twice"));
        }
        options.push((name.to_string(), value.clone()));
    }
    Ok(options)
}

fn holder(get: &dyn Fn(&str) -> Option<String>, consumer: String) -> Result<Holder, String> {
    let list = |name: &str| -> Vec<String> {
        get(name)
            .map(|text| {
                text.split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let valid_days = match get("valid-days") {
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|days| (1..=3650).contains(days))
            .ok_or("--valid-days must be a number of days from 1 to 3650")?,
        None => DEFAULT_VALID_DAYS,
    };
    Ok(Holder {
        consumer,
        scopes: list("scopes"),
        roles: list("roles"),
        valid_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Command, String> {
        let argv: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&argv)
    }

    #[test]
    fn reads_each_command_and_its_options() {
        let Ok(Command::ApiKey(request)) =
            parse_line("api-key --consumer partner-a --scopes a,b --pepper-file p --valid-days 7")
        else {
            panic!("not an api-key command");
        };
        assert_eq!(request.holder.consumer, "partner-a");
        assert_eq!(request.holder.scopes, ["a", "b"]);
        assert_eq!(request.holder.valid_days, 7);
        assert_eq!(request.pepper_file.as_deref(), Some("p"));
        let Ok(Command::HmacKey(request)) = parse_line("hmac-key --key-id k1") else {
            panic!("not an hmac-key command");
        };
        assert_eq!(
            (request.key_id.as_str(), request.holder.consumer.as_str()),
            ("k1", "k1")
        );
        assert_eq!(request.holder.valid_days, DEFAULT_VALID_DAYS);
        assert_eq!(parse_line("pepper"), Ok(Command::Pepper));
        assert_eq!(parse_line(""), Ok(Command::Help));
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        for line in [
            "api-key",
            "api-key --consumer",
            "api-key --consumer a --consumer b",
            "api-key --consumer a --key-id k",
            "api-key consumer a",
            "hmac-key --consumer a",
            "hmac-key --key-id k --valid-days 0",
            "hmac-key --key-id k --valid-days many",
            "pepper --consumer a",
            "make-key",
        ] {
            assert!(parse_line(line).is_err(), "{line}");
        }
    }
}
