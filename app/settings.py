"""Runtime configuration, read from `LOTSENBOARD_*` environment variables."""

import secrets
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOTSENBOARD_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=ROOT_DIR / "var", description="Where the SQLite file and the generated secret live."
    )
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means SQLite in data_dir."
    )
    secret_key: str = Field(
        default="", description="Signs sessions; generated and kept in data_dir when empty."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    time_zone: str = "Europe/Berlin"
    base_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    session_idle_minutes: int = Field(
        default=8 * 60, ge=5, description="Log out after this idle time."
    )
    session_max_hours: int = Field(
        default=7 * 24, ge=1, description="Log out after this at the latest."
    )
    login_window_minutes: int = Field(default=15, ge=1)
    login_slow_after: int = Field(default=5, ge=1, description="Failures before answers slow down.")
    login_block_after: int = Field(
        default=10, ge=2, description="Failures before logins are refused."
    )
    login_delay_seconds: float = Field(default=1.0, ge=0)
    broker: str = Field(
        default="auto",
        pattern=r"^(auto|memory|postgres|redis)$",
        description="Live-update fan-out: auto = postgres on PostgreSQL, else memory.",
    )
    redis_url: str = "redis://127.0.0.1:6379/0"
    live_ping_seconds: float = Field(
        default=5.0, gt=0, description="Heartbeat of open websockets; silent ones are dropped."
    )
    live_recheck_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Safety re-check of open websockets' access (revocations close them at once).",
    )
    password_reset_hours: int = Field(
        default=48, ge=1, le=720, description="How long a password reset link works."
    )
    help_contact: str = Field(
        default="",
        max_length=300,
        description="Whom to ask for a new password (shown on the login page).",
    )
    kommune: str = Field(
        default="", max_length=120, description="The municipality's name, atop the minutes."
    )
    smtp_host: str = Field(default="", description="Mail server; empty: no mail is sent.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_security: str = Field(default="starttls", pattern=r"^(none|starttls|ssl)$")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = Field(default="", description="Sender of the weekly digest.")
    digest_schedule: str = Field(
        default="Mon 07:00",
        pattern=r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="When the weekly digest goes out (board time zone).",
    )
    import_max_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="Largest spreadsheet a board imports."
    )
    report_min_lotsen: int = Field(
        default=3,
        ge=1,
        le=50,
        description="Departments with fewer lotsen appear in reports only merged with others.",
    )
    retention_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Login records and client addresses are deleted after this many days.",
    )
    retention_job: bool = Field(
        default=True,
        description="Run the hourly purge in this process (every process may: one at a time "
        "does, under a lease).",
    )
    language: str = Field(
        default="de",
        pattern=r"^(de|en|auto)$",
        description="UI language; auto follows the browser.",
    )
    local_login: str = Field(
        default="all",
        pattern=r"^(all|admins)$",
        description="Who may log in with a password kept here: all accounts, or only local "
        "admin accounts (the first admin; everyone else through single sign-on).",
    )
    oidc_issuer: str = Field(
        default="",
        description="OpenID Connect provider (e.g. https://id.kommune.de/realms/rathaus); "
        "empty: no single sign-on. Its endpoints are read from its discovery document.",
    )
    oidc_client_id: str = ""
    oidc_client_secret: str = Field(default="", repr=False)
    oidc_scopes: str = "openid email profile"
    oidc_email_claim: str = "email"
    oidc_name_claim: str = "name"
    oidc_groups_claim: str = Field(
        default="groups", description="Claim listing the person's groups (role at each login)."
    )
    oidc_admin_group: str = "lotsenboard-admin"
    oidc_lotse_group: str = "lotsenboard-lotse"
    oidc_create_accounts: bool = Field(
        default=True,
        description="Create an account at a person's first login; false: only accounts an "
        "admin created beforehand (matched by e-mail address) may log in.",
    )
    oidc_trust_unverified_email: bool = Field(
        default=False,
        description="Let an address the provider marks as unverified (email_verified: false) "
        "find an existing account; off, such a login only opens an account of its own.",
    )
    oidc_timeout_seconds: float = Field(default=10.0, gt=0)
    hide_actors_from_viewers: bool = Field(
        default=False,
        description="Viewers do not see who changed what (history, live updates, API).",
    )
    ldap_url: str = Field(
        default="",
        description="Directory server(s), e.g. ldaps://dc1.rathaus.local:636 (several: separated "
        "by spaces); empty: no LDAP login.",
    )
    ldap_starttls: bool = Field(
        default=False, description="Upgrade an ldap:// connection with StartTLS."
    )
    ldap_ca_file: str = Field(
        default="",
        description="PEM file of the CA that signed the server certificate; empty: system CAs. "
        "The certificate is always checked.",
    )
    ldap_allow_plain: bool = Field(
        default=False,
        description="Allow ldap:// without StartTLS (clear-text passwords): tests and labs only.",
    )
    ldap_bind_dn: str = Field(
        default="", description="Service account for the search; empty: anonymous search."
    )
    ldap_bind_password: str = Field(default="", repr=False)
    ldap_base_dn: str = Field(default="", description="Where people are searched (subtree).")
    ldap_user_filter: str = Field(
        default="(|(uid={login})(mail={login}))",
        description="{login} is replaced by the escaped login; Active Directory: "
        "(&(objectClass=user)(sAMAccountName={login})).",
    )
    ldap_email_attribute: str = "mail"
    ldap_name_attribute: str = Field(default="cn", description="Active Directory: displayName.")
    ldap_group_base_dn: str = Field(
        default="",
        description="Where groups with member=<person's DN> are searched; empty: only the "
        "person's memberOf attribute is read.",
    )
    ldap_group_filter: str = Field(
        default="(&(|(objectClass=groupOfNames)(objectClass=group))(member={dn}))",
        description="{dn} is replaced by the escaped DN of the person.",
    )
    ldap_admin_group: str = Field(
        default="lotsenboard-admin",
        description="Members are admins; a group matches by its CN or full DN, any case.",
    )
    ldap_lotse_group: str = Field(default="lotsenboard-lotse", description="Members are lotsen.")
    ldap_timeout_seconds: float = Field(
        default=5.0, gt=0, description="A login gives up on the directory server after this."
    )
    ldap_create_accounts: bool = Field(
        default=True,
        description="Create an account at a person's first login; false: only accounts an "
        "admin created beforehand (matched by e-mail address) may log in.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @model_validator(mode="after")
    def _ldap_transport(self) -> "Settings":
        urls = self.ldap_url.split()
        if any(not url.lower().startswith(("ldap://", "ldaps://")) for url in urls):
            raise ValueError("ldap_url must start with ldaps:// or ldap://")
        plain = any(url.lower().startswith("ldap://") for url in urls)
        # Passwords are sent with a simple bind: never in clear text unless asked for.
        if plain and not self.ldap_starttls and not self.ldap_allow_plain:
            raise ValueError(
                "ldap_url is ldap:// without ldap_starttls: passwords would travel in clear text; "
                "use ldaps://, set LOTSENBOARD_LDAP_STARTTLS=true, or (tests and labs only) "
                "LOTSENBOARD_LDAP_ALLOW_PLAIN=true"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'lotsenboard.db'}"

    @property
    def ldap_enabled(self) -> bool:
        return bool(self.ldap_url)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def resolved_secret_key(self) -> str:
        """The configured key, else one generated on first use and kept in data_dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # Exclusive create: two workers starting at once must agree on one key.
        try:
            with path.open("x") as handle:
                handle.write(key)
            path.chmod(0o600)
        except FileExistsError:
            return path.read_text().strip()
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
