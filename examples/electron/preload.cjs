// The renderer's one door to the main process: fill-mask on the main process's model.
const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld('mainProcess', {
  fillMask: (text) => ipcRenderer.invoke('fill-mask', text),
});
