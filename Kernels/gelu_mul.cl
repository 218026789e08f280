// out = gelu(gate) · up with GELU's tanh approximation, in PyTorch's order of operations:
// 0.5 · g · (1 + tanh(√(2/π) · (g + 0.044715 · g³))) · up (Gemma's GeGLU).
__kernel void gelu_mul(__global const float* gate, __global const float* up, __global float* out, const int count)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    const float g = gate[i];
    const float cube = g * g * g;
    const float inner = 0.79788456080286535588f * (g + 0.044715f * cube);
    out[i] = 0.5f * g * (1.0f + tanh(inner)) * up[i];
}
