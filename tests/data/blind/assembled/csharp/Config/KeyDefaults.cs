namespace Acme.Docs.Config;

internal static class KeyDefaults
{
    public const string Prefix = "ak_";
    public static readonly string Example = string.Concat(Prefix, "your_api_key_here");
    public static readonly string Masked = string.Concat("ak_", new string('x', 24));
    public static readonly string Staging = String.Concat("ak_", "3-4P2BDlHrHFaGxpW3aXhxog9kd03C6ms_OiBPkL");
}
