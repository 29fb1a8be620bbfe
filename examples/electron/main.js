// Electron's glue: the app:// scheme serving the renderer and the models (app.js), a window, and the main
// process's own model answering the renderer over IPC.
import { app, BrowserWindow, ipcMain, protocol } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appFiles, loadMainModel } from './app.js';

const here = dirname(fileURLToPath(import.meta.url));
// Models ship with the app: ./models in development, resources/models when packaged.
const modelsDir = app.isPackaged ? join(process.resourcesPath, 'models') : join(here, 'models');
const MODEL = process.env.BERT_MODEL_NAME ?? 'bert-base-uncased';

// Before `ready`: app:// behaves as an https origin (fetch, module workers, secure context).
protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } },
]);

app.whenReady().then(async () => {
  protocol.handle('app', appFiles({ modelsDir }));
  const model = await loadMainModel(join(modelsDir, MODEL));
  ipcMain.handle('fill-mask', (_, text) => model.fillMask(text, { topK: 5 }));
  const window = new BrowserWindow({ webPreferences: { preload: join(here, 'preload.cjs') } });
  await window.loadURL(`app://bundle/?model=${encodeURIComponent(MODEL)}`);
});

app.on('window-all-closed', () => app.quit());
