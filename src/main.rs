//! The `pathway` binary: parse, run, map errors to exit codes.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = pathway::cli::parse();
    match pathway::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let code = pathway::error::exit_code(&err);
            if code != 0 {
                // Broken pipes (`pathway … | head`) exit 0 quietly.
                eprintln!("pathway: {}", pathway::app::describe(&err));
            }
            ExitCode::from(code as u8)
        }
    }
}
