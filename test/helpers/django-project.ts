import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ProjectFiles {
  /** Lines appended to the settings (they may replace MIDDLEWARE, INSTALLED_APPS…). */
  settings?: string;
  /** The body of `pkg/urls.py` (default: no routes). */
  urls?: string;
}

/**
 * A Django project as `startproject` lays it out (manage.py, `pkg/settings.py`, `urls.py`, `wsgi.py`, no
 * database, no apps) in `dir`, which it returns: real enough to start under runserver and gunicorn.
 */
export function writeDjangoProject(dir: string, pkg: string, files: ProjectFiles = {}): string {
  mkdirSync(path.join(dir, pkg), { recursive: true });
  writeFileSync(
    path.join(dir, 'manage.py'),
    `import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', '${pkg}.settings')\n` +
      'from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n',
  );
  writeFileSync(path.join(dir, pkg, '__init__.py'), '');
  writeFileSync(
    path.join(dir, pkg, 'wsgi.py'),
    `import os\nfrom django.core.wsgi import get_wsgi_application\n` +
      `os.environ.setdefault('DJANGO_SETTINGS_MODULE', '${pkg}.settings')\napplication = get_wsgi_application()\n`,
  );
  writeFileSync(path.join(dir, pkg, 'urls.py'), files.urls ?? 'urlpatterns = []\n');
  writeFileSync(
    path.join(dir, pkg, 'settings.py'),
    [
      'import os',
      "SECRET_KEY = 'x'",
      'DEBUG = False',
      "ALLOWED_HOSTS = ['127.0.0.1']",
      `ROOT_URLCONF = '${pkg}.urls'`,
      `WSGI_APPLICATION = '${pkg}.wsgi.application'`,
      'INSTALLED_APPS = []',
      'MIDDLEWARE = []',
      'DATABASES = {}',
      files.settings ?? '',
      '',
    ].join('\n'),
  );
  return dir;
}
