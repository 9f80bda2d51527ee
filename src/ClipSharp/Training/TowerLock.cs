namespace ClipSharp.Training;

/// <summary>
/// Which tower stays frozen: it runs its inference forward pass, gets no backward pass and no update. A locked ResNet
/// image tower therefore normalises with its running statistics and leaves them as they are (a fixed feature extractor).
/// </summary>
[Flags]
public enum TowerLock
{
    None = 0,
    Image = 1,
    Text = 2,
}
