// Appended inside the Emscripten module: lets the JS wrapper manage a model's pthread workers, which
// Emscripten 3.1.6 neither ends nor unrefs (in Node they would hold the host process open).
Module['terminateWorkers'] = function () {
  if (typeof PThread !== 'undefined') PThread.terminateAllThreads();
};
// Node: the process may exit while a model is alive, as with any library object.
Module['unrefWorkers'] = function () {
  if (typeof PThread === 'undefined') return;
  PThread.unusedWorkers.concat(PThread.runningWorkers).forEach(function (worker) {
    if (worker.unref) worker.unref();
  });
};
