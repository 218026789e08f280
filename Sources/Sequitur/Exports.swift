// The umbrella module: `import Sequitur` brings in every layer.
@_exported import SequiturCore
@_exported import SequiturModels
@_exported import SequiturCPU
@_exported import SequiturOpenCL
@_exported import SequiturDecoders
@_exported import SequiturScoring
