# Shared steps of scripts/run and scripts/test. Each step does nothing when
# its result is already there, so a second run is quick.

PYTHON=${PYTHON:-python3}
VENV=.venv

# WeasyPrint (receipts and reports as PDF) needs Pango, HarfBuzz and fonts: DejaVu Sans (Latin, with
# the Sami letters) and Symbola (emoji), both embedded in every PDF.
PDF_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-symbola"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages that a step needs, installed with apt-get when missing
# (only possible as root or with sudo; otherwise the message says what to install).
ensure_debian_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "Missing system packages: ${missing[*]}. Install them with your package manager." >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  say "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The virtualenv with the packages of a requirements file; reinstalls only
# when the requirements files changed.
ensure_python_env() {
  local requirements=$1
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtualenv in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(basename "$requirements")"
  local digest
  digest=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    say "Installing Python packages from $requirements"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -r "$requirements"
    echo "$digest" >"$stamp"
  fi
  export PATH="$PWD/$VENV/bin:$PATH"
}

# Front-end packages from npm (served by Django itself, never from a CDN).
ensure_assets() {
  if ! command -v npm >/dev/null; then
    ensure_debian_packages nodejs npm || {
      echo "npm is needed for the front-end assets: install Node.js and npm." >&2
      return 1
    }
  fi
  local digest
  digest=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f node_modules/.installed ] || [ "$(cat node_modules/.installed)" != "$digest" ]; then
    say "Installing front-end packages with npm"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$digest" >node_modules/.installed
  fi
}
