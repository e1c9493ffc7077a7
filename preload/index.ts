import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ApiChannel, DjleakBridge, EngineEvent } from './contract.ts';

const EVENT_CHANNEL = 'djleak:event';

const bridge = {
  call: (channel: ApiChannel, args: unknown) => ipcRenderer.invoke(`djleak:${channel}`, args),
  onEvent: (listener: (event: EngineEvent) => void) => {
    const wrapped = (_e: IpcRendererEvent, event: EngineEvent): void => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => void ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  },
  pathForFile: (file: File) => webUtils.getPathForFile(file),
} satisfies DjleakBridge;

contextBridge.exposeInMainWorld('djleak', bridge);
