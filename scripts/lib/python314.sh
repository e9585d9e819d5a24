# Shared by scripts/*: where the Python 3.14 environment lives and how to enter it.
# Sourced, not run. Sets LINKY_REPO, LINKY_MODE (native|chroot), LINKY_VENV and defines py314_run.

LINKY_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LINKY_ROOTFS="${LINKY_ROOTFS:-/opt/linky-py314}"
LINKY_MIRROR="${LINKY_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# A python3.14 of at least 3.14.2 on PATH (or named by LINKY_PYTHON) is used as it is;
# otherwise (Debian 12/13 have none) a minimal Debian sid root provides it, entered with chroot.
linky_native_python() {
    local candidate
    for candidate in "${LINKY_PYTHON:-}" python3.14 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 14, 2) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if LINKY_NATIVE_PYTHON="$(linky_native_python)"; then
    LINKY_MODE=native
    LINKY_VENV="$LINKY_REPO/.venv"
else
    LINKY_MODE=chroot
    LINKY_VENV=/opt/venv # inside the root
fi

# Run a command with the environment's python first on PATH, from the repository's root.
# In chroot mode the repository is bind-mounted at the same path inside the root, in a
# private mount namespace, so nothing leaks and paths read the same inside and out.
py314_run() {
    if [ "$LINKY_MODE" = native ]; then
        (cd "$LINKY_REPO" && PATH="$LINKY_VENV/bin:$PATH" VIRTUAL_ENV="$LINKY_VENV" "$@")
        return
    fi
    local passthrough=()
    local name
    for name in CI TERM LANG COLUMNS $(compgen -e | grep -E '^(LINKY_|PYTEST_)' || true); do
        [ -n "${!name:-}" ] && passthrough+=("$name=${!name}")
    done
    cp /etc/ssl/certs/ca-certificates.crt "$LINKY_ROOTFS/etc/ssl/host-ca.crt"
    cp /etc/resolv.conf "$LINKY_ROOTFS/etc/resolv.conf"
    mkdir -p "$LINKY_ROOTFS$LINKY_REPO"
    unshare --mount --propagation private -- bash -c '
        set -e
        root="$1" repo="$2"; shift 2
        mount --bind "$repo" "$root$repo"
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --rbind /sys "$root/sys"
        cd /
        exec chroot "$root" "$@"
    ' linky "$LINKY_ROOTFS" "$LINKY_REPO" \
        env -i HOME=/root PATH="$LINKY_VENV/bin:/usr/local/bin:/usr/bin:/bin" VIRTUAL_ENV="$LINKY_VENV" \
        SSL_CERT_FILE=/etc/ssl/host-ca.crt PIP_CERT=/etc/ssl/host-ca.crt UV_NATIVE_TLS=1 \
        PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 TZ=UTC \
        "${passthrough[@]}" \
        bash -c 'cd "$0" && exec "$@"' "$LINKY_REPO" "$@"
}
