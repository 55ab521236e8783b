using System.Text;

namespace Checkpoints.Cli.Tests.Deployment;

/// <summary>
/// The simple commands of a POSIX shell script, as lists of words with their quotes removed: enough of the shell's
/// grammar to find each <c>ckpt ...</c> in a manifest's <c>sh -c</c> script (quotes, backslashes, comments, and the
/// operators that end a command: newline, <c>;</c>, <c>&amp;</c>, <c>&amp;&amp;</c>, <c>|</c>, <c>||</c>). Variables are
/// left as written (<c>"$MODEL"</c> is the word <c>$MODEL</c>).
/// </summary>
internal static class ShellWords
{
    public static List<List<string>> Commands(string script)
    {
        var commands = new List<List<string>>();
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;

        void EndWord()
        {
            if (inWord)
            {
                words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
        }

        void EndCommand()
        {
            EndWord();
            if (words.Count > 0)
            {
                commands.Add(words);
                words = [];
            }
        }

        for (var i = 0; i < script.Length; i++)
        {
            var c = script[i];
            switch (c)
            {
                case '#' when !inWord:
                    while (i + 1 < script.Length && script[i + 1] != '\n')
                    {
                        i++;
                    }

                    break;
                case '\\' when i + 1 < script.Length:
                    i++;
                    if (script[i] != '\n')
                    {
                        word.Append(script[i]);
                        inWord = true;
                    }

                    break;
                case '\'':
                    var close = script.IndexOf('\'', i + 1);
                    close = close < 0 ? script.Length : close;
                    word.Append(script, i + 1, close - i - 1);
                    inWord = true;
                    i = close;
                    break;
                case '"':
                    inWord = true;
                    for (i++; i < script.Length && script[i] != '"'; i++)
                    {
                        word.Append(script[i] == '\\' && i + 1 < script.Length && script[i + 1] is '"' or '\\' or '$' ? script[++i] : script[i]);
                    }

                    break;
                case ' ' or '\t':
                    EndWord();
                    break;
                case '\n' or ';' or '&' or '|' or '(' or ')':
                    EndCommand();
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        EndCommand();
        return commands;
    }
}
