use clap::Parser;

fn main() {
    let cli = hailong::config::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = actix_web::rt::System::new().block_on(hailong::cli::run(cli));
    if let Err(e) = result {
        eprintln!("hailong: {e:#}");
        std::process::exit(1);
    }
}
