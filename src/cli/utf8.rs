//! Which argument is not UTF-8: clap says only that one is. The command line is parsed again
//! with that argument made text (U+FFFD for the bytes that are not), and the argument that
//! took it is named: the option it is the value of, or the positional it is.

use std::ffi::OsString;

use clap::{ArgMatches, CommandFactory};

use super::{with_connect, with_shorthand, Cli, SHORTHAND};
use crate::value::clip;

/// The error that names the argument that is not UTF-8, if there is one.
pub(super) fn invalid_utf8(args: &[OsString]) -> Option<clap::Error> {
    let at = args.iter().position(|a| a.to_str().is_none())?;
    let shown = args[at].to_string_lossy().into_owned();
    let text: Vec<OsString> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned().into())
        .collect();
    let name = named(&text, &shown).unwrap_or_else(|| format!("argument {at}"));
    Some(Cli::command().error(
        clap::error::ErrorKind::InvalidUtf8,
        format!(
            "{name} is not valid UTF-8: '{}' (\u{FFFD} marks the bytes that are not)\n\n\
             tip: wsprobe takes its arguments as UTF-8 text; send binary data from stdin with \
             --binary, or in hex with --execute-binary HEX",
            clip(&shown)
        ),
    ))
}

/// `--header` or `<URL>`: the argument that took `shown` when the text arguments are parsed.
fn named(text: &[OsString], shown: &str) -> Option<String> {
    let mut matches = with_shorthand(Cli::command())
        .try_get_matches_from(text)
        .ok()?;
    let shorthand = matches
        .remove_many::<OsString>(SHORTHAND)
        .map(Iterator::count)
        .unwrap_or_default();
    let full = if shorthand == 0 {
        text.to_vec()
    } else {
        with_connect(text, shorthand)
    };
    let cmd = Cli::command();
    let matches = cmd.clone().try_get_matches_from(full).ok()?;
    find(&cmd, &matches, shown)
}

fn find(cmd: &clap::Command, matches: &ArgMatches, shown: &str) -> Option<String> {
    if let Some((name, sub)) = matches.subcommand() {
        if let Some(found) = find(cmd.find_subcommand(name)?, sub, shown) {
            return Some(found);
        }
    }
    let took_it = |id: &str| {
        matches
            .try_get_raw(id)
            .ok()
            .flatten()
            .is_some_and(|mut values| {
                values.any(|v| {
                    let v = v.to_string_lossy();
                    v.contains('\u{FFFD}') && shown.ends_with(v.as_ref())
                })
            })
    };
    let id = matches.ids().find(|id| took_it(id.as_str()))?;
    let arg = cmd.get_arguments().find(|a| a.get_id() == id)?;
    Some(match (arg.get_long(), arg.get_short()) {
        (Some(long), _) => format!("the value of --{long}"),
        (None, Some(short)) => format!("the value of -{short}"),
        (None, None) => {
            let name = arg
                .get_value_names()
                .and_then(|n| n.first())
                .map_or_else(|| id.as_str().to_uppercase(), |n| n.to_string());
            format!("<{name}>")
        }
    })
}
