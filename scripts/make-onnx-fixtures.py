#!/usr/bin/python3
# scripts/make-onnx-fixtures.py — writes the small ONNX models of test/fixtures/onnx with
# torch.onnx.export (Debian's PyTorch 1.13: apt-get install python3-torch; run /usr/bin/python3
# scripts/make-onnx-fixtures.py). Weights are random but seeded; BatchNorm statistics are set to
# non-trivial values so that folding them is tested. test/onnx/fixtures.test.ts imports each model
# and compares genconvnet's logits with ONNX Runtime's on the same file.
import os

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx')


def randomize_bn(m):
    for mod in m.modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = mod.num_features
            mod.running_mean.copy_(torch.randn(n) * 0.3)
            mod.running_var.copy_(torch.rand(n) * 1.5 + 0.25)
            mod.weight.data.copy_(torch.randn(n) * 0.5 + 1)
            mod.bias.data.copy_(torch.randn(n) * 0.2)


class LeNet(nn.Module):
    """LeNet-5 shaped (Caffe's two 5x5 convs and 2x2 max pools), narrow to keep the file small."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool1 = nn.MaxPool2d(2)  # PyTorch's stride default: the kernel size
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool2(self.conv2(self.pool1(self.conv1(x))))
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))


class AlexNetBN(nn.Module):
    """AlexNet-style at 3x32x32: strided and grouped convs with BatchNorm, ceil-mode max pooling,
    average pooling that counts its padding (a Pad node) and one that does not, BatchNorm1d after
    a linear layer, dropout (omitted in eval), a Reshape to 2-D."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 5, stride=2, padding=2), nn.BatchNorm2d(8), nn.ReLU(),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            nn.Conv2d(8, 16, 3, padding=1, groups=2, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=True),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
            nn.AvgPool2d(2, stride=2, padding=1, count_include_pad=False),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 3 * 3, 24), nn.BatchNorm1d(24), nn.ReLU(), nn.Dropout(0.5), nn.Linear(24, 5),
        )

    def forward(self, x):
        return self.classifier(self.features(x).reshape(-1, 16 * 3 * 3))


class MatMulSoftmax(nn.Module):
    """A linear layer written as MatMul + Add, then a final Softmax (dropped at import)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, stride=2)
        self.w = nn.Parameter(torch.randn(4 * 3 * 3, 6) * 0.3)
        self.b = nn.Parameter(torch.randn(6) * 0.1)

    def forward(self, x):
        x = torch.flatten(torch.relu(self.conv(x)), 1)
        return torch.softmax(torch.matmul(x, self.w) + self.b, dim=1)


class Residual(nn.Module):
    """Not sequential: a residual Add of two computed tensors, which the importer must refuse."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 2, 3, padding=1)
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1)
        self.fc = nn.Linear(2 * 6 * 6, 3)

    def forward(self, x):
        y = torch.relu(self.conv1(x))
        y = y + self.conv2(y)
        return self.fc(torch.flatten(y, 1))


def export(model, shape, name):
    model.eval()
    x = torch.randn(1, *shape)
    path = os.path.normpath(os.path.join(OUT, name))
    # PRESERVE (the model is in eval mode) keeps BatchNormalization nodes: EVAL would fuse them into
    # the convolutions itself, and the importer's folding would go untested.
    torch.onnx.export(model, x, path, opset_version=13, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}}, training=torch.onnx.TrainingMode.PRESERVE)
    print(f'{path}: {os.path.getsize(path)} bytes')


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(14)
    export(LeNet(), (1, 28, 28), 'lenet.onnx')
    alex = AlexNetBN()
    with torch.no_grad():
        randomize_bn(alex)
    export(alex, (3, 32, 32), 'alexnet_bn.onnx')
    export(MatMulSoftmax(), (2, 7, 7), 'matmul_softmax.onnx')
    export(Residual(), (2, 6, 6), 'residual.onnx')


if __name__ == '__main__':
    main()
