fn main() {
    let path = std::env::args().nth(1).unwrap();
    match motesskylt::kallelse::import_file(std::path::Path::new(&path)) {
        Ok(m) => println!("{}", serde_json::to_string_pretty(&m).unwrap()),
        Err(e) => for p in e { eprintln!("{path}:{}: {p}", p.line().map(|l| l.to_string()).unwrap_or_default()) },
    }
}
