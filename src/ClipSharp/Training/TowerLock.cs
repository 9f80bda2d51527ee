namespace ClipSharp.Training;

/// <summary>Which tower stays frozen: it runs its inference forward pass, gets no backward pass and no update.</summary>
[Flags]
public enum TowerLock
{
    None = 0,
    Image = 1,
    Text = 2,
}
