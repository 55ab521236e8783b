using Checkpoints.Selection;

namespace Checkpoints.Tests.Selection;

public sealed class NamePatternTests
{
    [Theory]
    [InlineData("model.layers.{0..15}.*", "model.layers.0.self_attn.q_proj.weight", true)]
    [InlineData("model.layers.{0..15}.*", "model.layers.15.mlp.down_proj.weight", true)]
    [InlineData("model.layers.{0..15}.*", "model.layers.16.mlp.down_proj.weight", false)]
    [InlineData("model.layers.{0..15}.*", "model.layers.1", false)]
    [InlineData("model.layers.{0..15}.*", "model.layers.01.mlp", false)]
    [InlineData("*.experts.{0..7}.*", "model.layers.3.mlp.experts.7.w1.weight", true)]
    [InlineData("*.experts.{0..7}.*", "model.layers.3.mlp.experts.8.w1.weight", false)]
    [InlineData("*.{q,k,v}_proj.weight", "model.layers.0.self_attn.k_proj.weight", true)]
    [InlineData("*.{q,k,v}_proj.weight", "model.layers.0.self_attn.o_proj.weight", false)]
    [InlineData("lm_head.weight", "lm_head.weight", true)]
    [InlineData("lm_head.weight", "lm_headXweight", false)]
    [InlineData("model.norm.weigh?", "model.norm.weight", true)]
    [InlineData("model.norm.weigh?", "model.norm.weigh", false)]
    [InlineData(@"a\*b", "a*b", true)]
    [InlineData(@"a\*b", "aXb", false)]
    [InlineData("a{b,{c,d}e}", "ade", true)]
    [InlineData("x(y)+", "x(y)+", true)]
    public void Matches_AsAGlobOverTheWholeName(string pattern, string name, bool matches)
    {
        Assert.Equal(matches, NamePattern.Parse(pattern).Matches(name));
    }

    [Theory]
    [InlineData("model.norm.weight", true)]
    [InlineData("x(y)+", true)]
    [InlineData("a*", false)]
    [InlineData("a{1..2}", false)]
    public void IsExact_OnlyWithoutWildcards(string pattern, bool exact)
    {
        Assert.Equal(exact, NamePattern.Parse(pattern).IsExact);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("model.{a,b", "never closed")]
    [InlineData("model.a}", "closes no")]
    [InlineData("x{5..2}", "must go upwards")]
    [InlineData("x{0..999999}", "at most")]
    [InlineData(@"x\", "lone")]
    public void Malformed_IsRefusedWithTheReason(string pattern, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => NamePattern.Parse(pattern));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
