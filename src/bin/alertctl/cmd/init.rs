use std::path::Path;

use alertctl::source::load::LoadError;

use crate::exit::Exit;

const FILES: &[(&str, &str)] = &[
    ("alertctl.toml", include_str!("../scaffold/alertctl.toml")),
    ("inventory.yaml", include_str!("../scaffold/inventory.yaml")),
    (
        "templates/node/high-cpu.yaml",
        include_str!("../scaffold/high-cpu.yaml"),
    ),
    (
        "templates/node/target-down.yaml",
        include_str!("../scaffold/target-down.yaml"),
    ),
    (
        "rules/global.yaml",
        include_str!("../scaffold/rules-global.yaml"),
    ),
    (
        "rules/teams/web.yaml",
        include_str!("../scaffold/rules-web.yaml"),
    ),
    ("tests/cpu.yaml", include_str!("../scaffold/test-cpu.yaml")),
    (".gitignore", ".alertctl/\n"),
];

pub fn run(path: &Path, force: bool) -> miette::Result<Exit> {
    let existing: Vec<&str> = FILES
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| *n != ".gitignore" && path.join(n).exists())
        .collect();
    if !existing.is_empty() && !force {
        for n in &existing {
            eprintln!("error: {} already exists", path.join(n).display());
        }
        eprintln!("hint: choose an empty directory, or pass --force to overwrite these files");
        return Ok(Exit::Invalid);
    }
    for (name, content) in FILES {
        let p = path.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| LoadError::new("creating directory", parent, e))?;
        }
        if *name == ".gitignore" && p.exists() {
            let mut old =
                std::fs::read_to_string(&p).map_err(|e| LoadError::new("reading", &p, e))?;
            if !old.lines().any(|l| l.trim() == ".alertctl/") {
                if !old.ends_with('\n') && !old.is_empty() {
                    old.push('\n');
                }
                old.push_str(content);
                std::fs::write(&p, old).map_err(|e| LoadError::new("writing", &p, e))?;
            }
            continue;
        }
        std::fs::write(&p, content).map_err(|e| LoadError::new("writing", &p, e))?;
        eprintln!("created {}", p.display());
    }
    eprintln!(
        "next: alertctl -C {} validate && alertctl -C {} test && alertctl -C {} render",
        path.display(),
        path.display(),
        path.display()
    );
    Ok(Exit::Ok)
}
