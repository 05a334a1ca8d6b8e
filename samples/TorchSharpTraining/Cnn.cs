using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace TorchSharpTraining;

/// <summary>The small CNN of the sample, for 1 x 28 x 28 inputs and 10 classes.</summary>
public static class Cnn
{
    /// <summary>conv 1->16 5x5 (28 -> 24), relu, maxpool 2 (-> 12), conv 16->32 5x5 (-> 8), relu, maxpool 2 (-> 4),
    /// flatten (32 * 4 * 4 = 512), linear 512->128, relu, linear 128->10. 80 202 parameters.</summary>
    public static Module<Tensor, Tensor> Create() => Sequential(
        ("conv1", Conv2d(1, 16, 5)),
        ("relu1", ReLU()),
        ("pool1", MaxPool2d(2)),
        ("conv2", Conv2d(16, 32, 5)),
        ("relu2", ReLU()),
        ("pool2", MaxPool2d(2)),
        ("flatten", Flatten()),
        ("fc1", Linear(32 * 4 * 4, 128)),
        ("relu3", ReLU()),
        ("fc2", Linear(128, 10)));
}
