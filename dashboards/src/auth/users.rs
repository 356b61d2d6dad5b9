//! Who may sign in: a TOML file of accounts with argon2id password hashes. `chiso user` writes
//! it; the service reads it again whenever it changes, so a disabled account or a new
//! password takes effect at the next request, and sessions opened before it end.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AuthError;

/// What an account may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The ward party committee: everything.
    DangUy,
    /// The ward People's Committee: everything.
    Ubnd,
    /// An officer: the figures, and its own office's tasks and records.
    CanBo,
    /// A khu phố's board: its own neighbourhood only.
    KhuPho,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::DangUy, Role::Ubnd, Role::CanBo, Role::KhuPho];

    pub fn id(self) -> &'static str {
        match self {
            Role::DangUy => "dang_uy",
            Role::Ubnd => "ubnd",
            Role::CanBo => "can_bo",
            Role::KhuPho => "khu_pho",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::DangUy => "Đảng ủy phường",
            Role::Ubnd => "UBND phường",
            Role::CanBo => "Cán bộ",
            Role::KhuPho => "Khu phố",
        }
    }

    /// Sees every record and every neighbourhood.
    pub fn sees_all(self) -> bool {
        matches!(self, Role::DangUy | Role::Ubnd)
    }
}

impl std::str::FromStr for Role {
    type Err = AuthError;
    fn from_str(s: &str) -> Result<Role, AuthError> {
        Role::ALL
            .into_iter()
            .find(|r| r.id() == s.trim())
            .ok_or_else(|| {
                AuthError::Invalid(format!(
                    "vai trò “{s}” không có; dùng một trong: dang_uy, ubnd, can_bo, khu_pho"
                ))
            })
    }
}

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// For `khu_pho` the khu phố code; for `can_bo` the office's name as the plans write it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// argon2id PHC string.
    pub password: String,
    #[serde(default)]
    pub disabled: bool,
    /// When the password or the state last changed: sessions opened earlier are void.
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    #[serde(default, rename = "user")]
    users: Vec<User>,
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The argon2id PHC string of `password`, with a fresh salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Invalid(format!("không băm được mật khẩu: {e}")))
}

/// Whether `password` matches the PHC string `phc`.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// The accounts file.
#[derive(Debug, Clone)]
pub struct UserFile {
    path: PathBuf,
}

impl UserFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every account; none when the file does not exist yet.
    pub fn load(&self) -> Result<Vec<User>, AuthError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(AuthError::io(&self.path, e)),
        };
        let accounts: AccountsFile = toml::from_str(&text)
            .map_err(|e| AuthError::Invalid(format!("{}: {}", self.path.display(), e.message())))?;
        Ok(accounts.users)
    }

    /// Adds an account; refuses a name already taken.
    pub fn add(
        &self,
        name: &str,
        role: Role,
        unit: Option<&str>,
        password: &str,
    ) -> Result<User, AuthError> {
        check_name(name)?;
        check_password(password)?;
        let unit = unit.map(str::trim).filter(|u| !u.is_empty());
        match (role, unit) {
            (Role::KhuPho, None) => {
                return Err(AuthError::Invalid(
                    "tài khoản khu_pho cần --unit: mã khu phố, ví dụ KP01".into(),
                ));
            }
            (Role::CanBo, None) => {
                return Err(AuthError::Invalid(
                    "tài khoản can_bo cần --unit: tên cơ quan như trong kế hoạch, ví dụ “Văn phòng HĐND và UBND”".into(),
                ));
            }
            (Role::DangUy | Role::Ubnd, Some(_)) => {
                return Err(AuthError::Invalid(format!(
                    "tài khoản {} xem toàn phường: bỏ --unit",
                    role.id()
                )));
            }
            _ => {}
        }
        let mut users = self.load()?;
        if users.iter().any(|u| u.name == name) {
            return Err(AuthError::Invalid(format!(
                "tài khoản “{name}” đã có; đổi mật khẩu bằng `chiso user passwd {name}`"
            )));
        }
        let user = User {
            name: name.to_string(),
            role,
            unit: unit.map(str::to_string),
            password: hash_password(password)?,
            disabled: false,
            changed_at: Utc::now(),
        };
        users.push(user.clone());
        self.save(&users)?;
        Ok(user)
    }

    /// Sets a new password (and enables the account again).
    pub fn set_password(&self, name: &str, password: &str) -> Result<(), AuthError> {
        check_password(password)?;
        let hash = hash_password(password)?;
        self.change(name, |u| {
            u.password = hash;
            u.disabled = false;
        })
    }

    /// Disables an account: it can no longer sign in and its sessions end.
    pub fn disable(&self, name: &str) -> Result<(), AuthError> {
        self.change(name, |u| u.disabled = true)
    }

    fn change(&self, name: &str, f: impl FnOnce(&mut User)) -> Result<(), AuthError> {
        let mut users = self.load()?;
        let user = users
            .iter_mut()
            .find(|u| u.name == name)
            .ok_or_else(|| AuthError::Invalid(format!("không có tài khoản “{name}”")))?;
        f(user);
        user.changed_at = Utc::now();
        self.save(&users)
    }

    /// Writes the whole file through a temporary file and a rename, readable by its owner only.
    fn save(&self, users: &[User]) -> Result<(), AuthError> {
        let text = toml::to_string(&AccountsFile {
            users: users.to_vec(),
        })
        .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| AuthError::io(dir, e))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| AuthError::io(dir, e))?;
        use std::io::Write;
        let header = "# Tài khoản đăng nhập chiso: do `chiso user add|passwd|disable` ghi; \
                      mật khẩu lưu dạng băm argon2id.\n";
        tmp.write_all(header.as_bytes())
            .and_then(|_| tmp.write_all(text.as_bytes()))
            .map_err(|e| AuthError::io(tmp.path(), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600))
                .map_err(|e| AuthError::io(tmp.path(), e))?;
        }
        tmp.persist(&self.path)
            .map_err(|e| AuthError::io(&self.path, e.error))?;
        Ok(())
    }
}

fn check_name(name: &str) -> Result<(), AuthError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(AuthError::Invalid(format!(
            "tên tài khoản “{name}”: chỉ chữ thường không dấu, số, dấu chấm, gạch nối, gạch dưới; tối đa 64 ký tự"
        )))
    }
}

fn check_password(password: &str) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::Invalid(format!(
            "mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự"
        )));
    }
    Ok(())
}

/// Accounts by name.
type Accounts = Arc<HashMap<String, User>>;

/// The accounts as the service reads them: the file again whenever its modification time
/// changes.
#[derive(Debug)]
pub struct Directory {
    file: UserFile,
    cached: Mutex<(Option<SystemTime>, Accounts)>,
}

impl Directory {
    pub fn new(file: UserFile) -> Self {
        Self {
            file,
            cached: Mutex::new((None, Arc::new(HashMap::new()))),
        }
    }

    /// The account called `name`, as the file says now.
    pub fn get(&self, name: &str) -> Option<User> {
        self.current().get(name).cloned()
    }

    /// How many accounts the file holds.
    pub fn count(&self) -> usize {
        self.current().len()
    }

    fn current(&self) -> Accounts {
        let mtime = std::fs::metadata(self.file.path())
            .and_then(|m| m.modified())
            .ok();
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if cached.0 != mtime || mtime.is_none() {
            match self.file.load() {
                Ok(users) => {
                    *cached = (
                        mtime,
                        Arc::new(users.into_iter().map(|u| (u.name.clone(), u)).collect()),
                    );
                }
                Err(e) => {
                    // keep serving with no accounts rather than with a stale list
                    tracing::error!("reading the accounts file: {e}");
                    *cached = (mtime, Arc::new(HashMap::new()));
                }
            }
        }
        cached.1.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_round_trip_and_refuse_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let file = UserFile::new(dir.path().join("users.toml"));
        assert!(file.load().unwrap().is_empty());
        let u = file
            .add("ubnd.lan", Role::Ubnd, None, "mat-khau-dai-du")
            .unwrap();
        assert!(u.password.starts_with("$argon2id$"));
        assert!(verify_password("mat-khau-dai-du", &u.password));
        assert!(!verify_password("mat-khau-sai-roi", &u.password));
        assert!(
            file.add("ubnd.lan", Role::Ubnd, None, "mat-khau-dai-du")
                .is_err()
        );
        assert!(
            file.add("kp", Role::KhuPho, None, "mat-khau-dai-du")
                .is_err()
        );
        assert!(
            file.add("Tên", Role::Ubnd, None, "mat-khau-dai-du")
                .is_err()
        );
        assert!(file.add("ngan", Role::Ubnd, None, "ngan").is_err());
        file.add("kp01", Role::KhuPho, Some("KP01"), "mat-khau-dai-du")
            .unwrap();
        file.disable("kp01").unwrap();
        let all = file.load().unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[1].disabled && all[1].unit.as_deref() == Some("KP01"));
        file.set_password("kp01", "mat-khau-moi-hon").unwrap();
        let kp = file.load().unwrap().remove(1);
        assert!(!kp.disabled && verify_password("mat-khau-moi-hon", &kp.password));
    }
}
