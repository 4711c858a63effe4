//! The rules directory's files, read and written: a confined walk (`load`), spanned
//! YAML with alias and size budgets (`yaml`), typed parsing (`parse`, `settings`), the
//! project loaded through the cache (`project`), and the writers that edit sources the
//! way people do (`edit`, `import`).

pub mod delta;
pub mod edit;
pub mod import;
pub mod load;
pub mod parse;
pub mod project;
pub mod settings;
pub mod text;
pub mod yaml;
