#!/bin/sh
# Regenerates the traceback fixtures: real start-up failures of small Django projects, printed by the demo's
# virtualenv under the probe's runner as the launcher starts them (runserver and gunicorn), plus chains from
# plain Python. Paths are rewritten to a stable project folder (/home/me/shop, its virtualenv in .venv inside
# it, as many projects keep it). Usage: sh test/unit/tracebacks/make.sh (from the repository).
# halt-server-gunicorn.txt is not made here: it is the stderr of the middleware project started with gunicorn
# and 2 workers through the engine (investigation.start), where both workers failed together and gunicorn's
# master printed its HaltServer chain after theirs; from a shell it rarely happens.
set -u
repo=$(pwd)
out=$repo/test/unit/tracebacks
python=${DJLEAK_DEMO_VENV:-$repo/.cache/demo-venv}/bin/python
venv=$(cd "$(dirname "$python")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

project() { # $1 folder, $2 extra settings lines
  mkdir -p "$1/shop"
  printf "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n" >"$1/manage.py"
  : >"$1/shop/__init__.py"
  printf "urlpatterns = []\n" >"$1/shop/urls.py"
  printf "import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\napplication = get_wsgi_application()\n" >"$1/shop/wsgi.py"
  printf "SECRET_KEY = 'x'\nDEBUG = False\nALLOWED_HOSTS = ['127.0.0.1']\nROOT_URLCONF = 'shop.urls'\nWSGI_APPLICATION = 'shop.wsgi.application'\nDATABASES = {}\nINSTALLED_APPS = []\nMIDDLEWARE = []\n%s\n" "$2" >"$1/shop/settings.py"
}

capture() { # $1 name, $2 folder, then the server command
  name=$1 dir=$2
  shift 2
  (cd "$dir" && PYTHONPATH=$repo/assets/probe DJLEAK_COLLECTOR=127.0.0.1:9 DJLEAK_TOKEN=x timeout 30 \
    "$python" -m djleak_probe run -- "$@" >/dev/null 2>"$work/err")
  grep -v '^\[djleak\]' "$work/err" | sed -e "s#$dir#/home/me/shop#g" -e "s#$venv#/home/me/shop/.venv#g" \
    -e "s#$repo/assets/probe#/opt/djleak/resources/probe#g" -e 's#^\[[0-9-]* [0-9:]* [-+][0-9]*\] #[2026-12-03 14:00:00 +0000] #' >"$out/$name.txt"
}

project "$work/mw" "MIDDLEWARE = ['whitenoise.middleware.WhiteNoiseMiddleware']"
capture middleware-runserver "$work/mw" manage.py runserver 127.0.0.1:18761 --noreload
capture middleware-gunicorn "$work/mw" -m gunicorn shop.wsgi:application --workers 2 --bind 127.0.0.1:18762
project "$work/apps" "INSTALLED_APPS = ['django.contrib.contenttypes', 'debug_toolbar']"
capture installed-apps-runserver "$work/apps" manage.py runserver 127.0.0.1:18763 --noreload
project "$work/env" "STRIPE_KEY = os.environ['STRIPE_KEY']"
sed -i '1i import os' "$work/env/shop/settings.py"
capture environ-runserver "$work/env" manage.py runserver 127.0.0.1:18764 --noreload
project "$work/syntax" "CACHES = {'default': {'BACKEND': 'x'}"
capture syntax-gunicorn "$work/syntax" -m gunicorn shop.wsgi:application --workers 1 --bind 127.0.0.1:18765
project "$work/check" "CACHES = {'other': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}"
capture system-check-runserver "$work/check" manage.py runserver 127.0.0.1:18766 --noreload

# Plain Python: an exception raised while handling another, and a cause given with `from`.
"$python" -c "
def load():
    try:
        {}['key']
    except KeyError:
        raise RuntimeError('cannot load the catalogue')
load()" 2>"$out/context-chain.txt"
