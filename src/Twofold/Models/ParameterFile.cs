using TorchSharp;
using static TorchSharp.torch;

namespace Twofold.Models;

/// <summary>
/// Writes and reads the float32 parameters of a module in a plain binary layout (count; then per parameter: name,
/// rank, dimensions, values). Reading checks every name and shape against the module on the .NET side before any
/// value reaches libtorch, so a damaged or mismatched file raises <see cref="InvalidDataException"/> instead of a
/// native error.
/// </summary>
public static class ParameterFile
{
    public static void Write(BinaryWriter writer, nn.Module module)
    {
        var parameters = module.named_parameters().ToList();
        writer.Write(parameters.Count);
        foreach (var (name, parameter) in parameters)
        {
            if (parameter.dtype != ScalarType.Float32) throw new ArgumentException($"Parameter '{name}' is {parameter.dtype}; only Float32 is stored.", nameof(module));
            writer.Write(name);
            writer.Write(parameter.shape.Length);
            foreach (var d in parameter.shape) writer.Write(d);
            using var values = parameter.detach().contiguous();
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.data<float>().ToArray().AsSpan()));
        }
    }

    /// <param name="source">Names the file in error messages.</param>
    public static void Read(BinaryReader reader, nn.Module module, string source)
    {
        var expected = module.named_parameters().ToList();
        var count = reader.ReadInt32();
        if (count != expected.Count) throw new InvalidDataException($"{source}: the file holds {count} parameters, the model has {expected.Count}.");
        var values = new float[count][];
        for (var p = 0; p < count; p++)
        {
            var (name, parameter) = expected[p];
            var stored = reader.ReadString();
            if (stored != name) throw new InvalidDataException($"{source}: parameter {p} is '{stored}', expected '{name}'.");
            var rank = reader.ReadInt32();
            if (rank != parameter.shape.Length) throw new InvalidDataException($"{source}: parameter '{name}' has rank {rank}, expected {parameter.shape.Length}.");
            for (var d = 0; d < rank; d++)
            {
                var size = reader.ReadInt64();
                if (size != parameter.shape[d])
                    throw new InvalidDataException($"{source}: parameter '{name}' has size {size} in dimension {d}, expected {parameter.shape[d]}.");
            }
            var bytes = reader.ReadBytes(checked((int)parameter.numel() * sizeof(float)));
            if (bytes.Length != parameter.numel() * sizeof(float)) throw new InvalidDataException($"{source}: the values of '{name}' are truncated.");
            values[p] = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            TensorGuard.Finite(values[p], name);
        }
        using var noGrad = torch.no_grad();
        for (var p = 0; p < count; p++)
        {
            var (_, parameter) = expected[p];
            using var loaded = torch.tensor(values[p], parameter.shape);
            parameter.copy_(loaded);
        }
        // Setting the mode again tells modules that keep forms of their weights for inference (MultiTaskNetwork's
        // joined layers) that the weights changed.
        module.train(module.training);
    }
}
