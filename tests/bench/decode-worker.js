// The bench's decode worker: its own instance of the explorer's module (`pkg/vae_wasm`, the build asked for)
// and the pretrained model; decodes each batch of latent points it is sent and returns the probabilities
// (transferred). The bench splits the 20x20 grid over two of these to measure the scaling on this host.
self.onmessage = async (e) => {
  const { build, file } = e.data; // the build's name and its wasm file
  const glue = await import(`/pkg/vae_wasm.js?worker=${build}`);
  await glue.default({ module_or_path: file });
  const model = new glue.Model(new Uint8Array(await (await fetch('/models/mnist-2d.safetensors')).arrayBuffer()));
  self.onmessage = (m) => {
    const out = model.decode(m.data);
    self.postMessage(out, [out.buffer]);
  };
  self.postMessage('ready');
};
