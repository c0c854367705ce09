#!/usr/bin/env bash
# Peer benchmark: SQLAlchemy + SQLAlchemy-Continuum on Verso's workloads.
# Creates bench/peers/.venv on first use, installs requirements.txt into it,
# then runs continuum_bench.py with the arguments given (see --help).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
stamp="$venv/.requirements.txt"
# SQLAlchemy-Continuum 2.0.0 requires Python 3.11 or newer.
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "run.sh: $python is $("$python" -V 2>&1); SQLAlchemy-Continuum 2.0.0 needs Python >= 3.11 (set PYTHON=...)" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
if ! cmp -s "$here/requirements.txt" "$stamp"; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$stamp"
fi
exec "$venv/bin/python" "$here/continuum_bench.py" "$@"
