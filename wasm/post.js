// Appended inside the Emscripten module: lets the JS wrapper end a model's pthread workers on dispose
// (Emscripten 3.1.6 keeps them alive, which would hold a Node process open).
Module['terminateWorkers'] = function () {
  if (typeof PThread !== 'undefined') PThread.terminateAllThreads();
};
