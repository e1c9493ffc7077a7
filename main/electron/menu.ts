import { app, Menu, shell, type MenuItemConstructorOptions } from 'electron';

const DJANGO_MEMORY_DOCS = 'https://docs.djangoproject.com/en/stable/topics/performance/';

/** The application menu: standard roles, plus a help link that goes through the openExternal allow-list. */
export function installMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'Django performance and memory docs',
          click: () => void shell.openExternal(DJANGO_MEMORY_DOCS),
        },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
