// The umbrella module: `import Sequitur` brings in every layer a CPU-only user needs. The OpenCL backend is a
// product of its own (`SequiturOpenCL`), so depending on Sequitur never requires an OpenCL loader.
@_exported import SequiturCore
@_exported import SequiturGGUF
@_exported import SequiturTokenizer
@_exported import SequiturJinja
@_exported import SequiturArchitectures
@_exported import SequiturCPU
@_exported import SequiturDecoders
@_exported import SequiturScoring
@_exported import SequiturGrammar
