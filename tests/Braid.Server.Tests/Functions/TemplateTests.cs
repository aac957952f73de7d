using System.Text.Json.Nodes;
using Braid.Server.Functions.Templates;

namespace Braid.Server.Tests.Functions;

public sealed class TemplateTests
{
    private static JsonNode View(string json) => JsonNode.Parse(json)!;

    // Expected strings are what mustache.js 4 gives with the Braintrust SDK's escape function (run under node once).
    [Theory]
    [InlineData("Hello {{name}}!", """{"name":"Ann"}""", "Hello Ann!")]
    [InlineData("{{obj}} {{arr}} {{n}} {{f}} {{b}} {{nul}} {{missing}}", """{"obj":{"a":1,"é":"<&>"},"arr":[1,"x"],"n":3,"f":1.5,"b":true,"nul":null}""", """{"a":1,"é":"<&>"} [1,"x"] 3 1.5 true  """)]
    [InlineData("{{{obj}}} {{&arr}} {{{n}}}", """{"obj":{"a":1},"arr":[1,[2,3],null],"n":2.25}""", "[object Object] 1,2,3, 2.25")]
    [InlineData("{{#items}}- {{name}}\n{{/items}}", """{"items":[{"name":"a"},{"name":"b"}]}""", "- a\n- b\n")]
    [InlineData("Items:\n  {{#items}}\n  * {{.}}\n  {{/items}}\nEnd", """{"items":["x","y"]}""", "Items:\n  * x\n  * y\nEnd")]
    [InlineData("{{^items}}none{{/items}}{{#zero}}z{{/zero}}{{#empty}}e{{/empty}}{{^empty}}E{{/empty}}", """{"items":[],"zero":0,"empty":""}""", "noneE")]
    [InlineData("{{#person}}{{name}} of {{org}}{{/person}}", """{"person":{"name":"Bo"},"org":"Acme"}""", "Bo of Acme")]
    [InlineData("{{input.a.b}} {{input.list.1}} {{input.s.length}}", """{"input":{"a":{"b":"deep"},"list":["p","q"],"s":"abcd"}}""", "deep q 4")]
    [InlineData("{{! comment }}x{{=<% %>=}}<% y %>{{y}}", """{"y":"Y"}""", "xY{{y}}")]
    [InlineData("{{#t}}yes {{v}}{{/t}}", """{"t":true,"v":"V"}""", "yes V")]
    public void Mustache_RendersAsTheSdkDoes(string template, string view, string expected) =>
        Assert.Equal(expected, Mustache.Render(template, View(view), strict: false));

    [Fact]
    public void Mustache_Strict_NamesTheMissingVariable_ButAcceptsNullsAndArrayIndexes()
    {
        var view = View("""{"input":{"q":null,"list":[{"a":1}]}}""");
        Assert.Equal(" 1", Mustache.Render("{{input.q}} {{input.list.3.a}}{{input.list.0.a}}", view, strict: true));
        var error = Assert.Throws<TemplateException>(() => Mustache.Render("Hi {{input.name}}", view, strict: true));
        Assert.Equal("Variable 'input.name' does not exist.", error.Message);
    }

    [Theory]
    [InlineData("{{#a}}x", "section 'a' is never closed")]
    [InlineData("x{{/a}}", "'{{/a}}' at line 1, column 2 closes no open section")]
    [InlineData("{{#a}}{{/b}}", "does not close the open section 'a'")]
    [InlineData("line\n{{name", "unclosed tag at line 2, column 1")]
    public void Mustache_MalformedTemplate_IsAnErrorThatSaysWhere(string template, string message) =>
        Assert.Contains(message, Assert.Throws<TemplateException>(() => Mustache.Render(template, View("{}"), strict: false)).Message);

    [Theory]
    [InlineData("Hi {{ name | upper }}, {{ input.n + 1 }} {{ missing }}!", """{"name":"ann","input":{"n":2}}""", "Hi ANN, 3 !")]
    [InlineData("{% for x in items %}{{ loop.index }}={{ x }}{% if not loop.last %}, {% endif %}{% endfor %}", """{"items":["a","b","c"]}""", "1=a, 2=b, 3=c")]
    [InlineData("{% for k, v in obj %}{{ k }}:{{ v }};{% endfor %}{% for x in none %}x{% else %}empty{% endfor %}", """{"obj":{"a":1,"b":"two"}}""", "a:1;b:two;empty")]
    [InlineData("{% if score >= 0.5 and tag in tags %}pass{% elif score > 0 %}weak{% else %}fail{% endif %}", """{"score":0.3,"tag":"x","tags":["x"]}""", "weak")]
    [InlineData("{% set greeting = 'Hello ' ~ name %}{{ greeting }} {{ obj | dump }} {{ obj }} {{ list | join('-') }} {{ list | length }}", """{"name":"Bo","obj":{"k":[1]},"list":[1,2]}""", """Hello Bo {"k":[1]} [object Object] 1-2 2""")]
    [InlineData("a  {%- if true -%}  b  {%- endif %}  c{# gone #}", "{}", "ab  c")]
    [InlineData("{{ missing | default('none') }} {{ items[1] }} {{ obj['k'] }}", """{"items":[1,"two"],"obj":{"k":"v"}}""", "none two v")]
    public void Nunjucks_RendersTheSubsetPromptsUse(string template, string view, string expected) =>
        Assert.Equal(expected, Nunjucks.Render(template, View(view), strict: false));

    [Theory]
    [InlineData("{{ input.missing }}", "Variable 'input.missing' does not exist.")]
    [InlineData("{% if x %}a", "'{% if %}' is never closed by '{% endif %}'")]
    [InlineData("{% macro m() %}{% endmacro %}", "'{% macro %}' is not supported")]
    [InlineData("{{ x | nosuch }}", "filter 'nosuch' is not supported")]
    [InlineData("{{ 'open }}", "unterminated string")]
    public void Nunjucks_Errors_NameTheProblem(string template, string message) =>
        Assert.Contains(message, Assert.Throws<TemplateException>(() => Nunjucks.Render(template, View("""{"input":{},"x":1}"""), strict: true)).Message);
}
