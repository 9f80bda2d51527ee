namespace ClipSharp.Data.Synthetic;

public enum SynthShape
{
    Circle,
    Square,
    Triangle,
    Star,
    Cross,
    Ring,
}
