# Sourced by scripts/*: makes sure the system packages and the Swift toolchain are there.
# Installs missing Debian packages with apt-get when running as root (or with sudo), otherwise says what to install.

STOREFRONT_APT_PACKAGES=(libmariadb-dev libsqlite3-dev pkg-config mariadb-server mariadb-client mariadb-backup sqlite3 sysbench openssl
    openssh-server openssh-client python3-venv)

storefront_have_all() {
    local missing=()
    local pkg
    for pkg in "${STOREFRONT_APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    echo "${missing[@]:-}"
}

storefront_ensure_packages() {
    local missing
    missing=$(storefront_have_all)
    if [ -n "$missing" ]; then
        echo "▸ installing system packages: $missing"
        local sudo=""
        if [ "$(id -u)" != "0" ]; then
            if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
                echo "error: missing packages ($missing) and not root; run: apt-get install -y $missing" >&2
                return 1
            fi
        fi
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq
        # shellcheck disable=SC2086
        $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    if ! command -v swift >/dev/null 2>&1; then
        echo "error: swift not found; install Swift 6.1 or newer (https://swift.org/install)" >&2
        return 1
    fi
}

# The backup tests' local S3 endpoint: moto's server from PyPI, in .venv-backup unless python3 already has it.
storefront_ensure_moto() {
    if python3 -c "import moto.server, flask" >/dev/null 2>&1; then return 0; fi
    if [ -x .venv-backup/bin/moto_server ]; then return 0; fi
    echo "▸ installing moto[server] into .venv-backup (local S3 for the backup tests)"
    python3 -m venv .venv-backup
    .venv-backup/bin/pip install --quiet 'moto[server]'
}
