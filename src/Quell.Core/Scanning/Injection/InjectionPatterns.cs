using System.Buffers;
using System.Text.RegularExpressions;

namespace Quell.Scanning.Injection;

/// <summary>One family of injection technique and how strongly a match of it indicates an attack.</summary>
public sealed record InjectionPatternFamily(string Name, double Weight, Regex Pattern)
{
    /// <summary>
    /// Literal strings at least one of which every match of <see cref="Pattern"/> contains (taken from a mandatory
    /// alternation of each top-level branch). When the text holds none of them the pattern cannot match, so the
    /// regex is skipped. Null when no such set is known.
    /// </summary>
    public IReadOnlyList<string>? Anchors { get; init; }
}

/// <summary>
/// Phrase patterns of known injection techniques, matched on normalised, lower-cased, leetspeak-folded text. All use
/// <see cref="RegexOptions.NonBacktracking"/> and bounded gaps, so matching is linear in the input whatever it holds.
/// Each family also lists literal anchors (one of which any match must contain); most inputs hold none of a family's
/// anchors, so its regex is skipped after one vectorised substring search. Keep the anchors in step with the pattern:
/// InjectionEquivalenceTests checks them.
/// </summary>
public static class InjectionPatterns
{
    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    private const string Gap = @"[^.!?\n]{0,40}";

    public static IReadOnlyList<InjectionPatternFamily> Families { get; } =
    [
        Family("instruction_override", 0.9,
            @"\b(ignore|disregard|forget|override|overwrite|bypass|skip|drop|abandon|discard|set aside|throw out|stop following|stop obeying|no longer follow)\b" + Gap + @"\b(previous|prior|above|earlier|preceding|foregoing|original|initial|system|developer|all (of )?(the|your|my)|any|your)\b" + Gap + @"\b(instructions?|prompts?|rules|directions|directives|guidelines|guidance|commands|orders|context|constraints|programming|guardrails|policies)\b",
            ["ignore", "disregard", "forget", "override", "overwrite", "bypass", "skip", "drop", "abandon", "discard", "set aside", "throw out", "stop following", "stop obeying", "no longer follow"]),
        Family("instruction_override", 0.85,
            @"\b(ignore|disregard|forget|override|bypass|set aside|discard|abandon|stop following)\b[^.!?\n]{0,25}\b(instructions?|rules|guidelines|guidance|directives|guardrails|programming|system prompt)\b[^.!?\n]{0,40}\b(you (received|were given|got|have been given|were told)|before (this|my)|above|earlier|previously|so far|from (your|the) (developers?|creators?|system))",
            ["ignore", "disregard", "forget", "override", "bypass", "set aside", "discard", "abandon", "stop following"]),
        Family("instruction_override", 0.85,
            @"\b(ignore|disregard|forget|bypass|override|disable|turn off)\b (your|the|all|any) (guardrails|safety (rules|guidelines|filters|training|measures)|content (policy|policies|filters?)|moderation|programming|system prompt|restrictions)\b",
            ["ignore", "disregard", "forget", "bypass", "override", "disable", "turn off"]),
        Family("instruction_override", 0.85,
            @"\b(ignore|disregard|forget) (everything|all|anything)( (that was )?(said|written|stated|told|above|before|so far|i said|you were told))\b|\bforget (everything|all) (before|above|previous)|\b(ignore|disregard|forget)\b (all |everything )?(of )?(the |that |this )?(above|previous|prior|preceding|foregoing)( text| message| input| content)?\b( and| then|[.,;:!])",
            ["ignore", "disregard", "forget"]),
        Family("instruction_override", 0.65,
            @"\b(new|updated|real|actual|true) (instructions?|rules|task|directive|system prompt)\s*:|\bfrom now on,? (you|your|u) (will|must|are|shall|should|only)\b|\binstead,? (you will|do the following|your new task)|\byour (new|real|only) (task|job|goal|purpose) (is|now)\b",
            ["instruction", "rules", "task", "directive", "system prompt", "from now on", "instead", "job", "goal", "purpose"]),
        Family("instruction_override", 0.9,
            @"\b(ignoriere|ignorier|vergiss|missachte)\b" + Gap + @"\b(anweisungen|instruktionen|regeln|vorgaben|befehle|alles|vorherige|obige)\b|\b(ignore[zr]?|oublie[zr]?|oublie)\b" + Gap + @"\b(instructions|consignes|regles|directives)\b|\b(ignora|ignore|olvida|olvide|omite)\b" + Gap + @"\b(instrucciones|reglas|indicaciones|directrices)\b",
            ["ignor", "vergiss", "missachte", "oublie", "olvid", "omite"]),
        Family("roleplay_jailbreak", 0.9,
            @"\bdo anything now\b|\b(you are|you're|act as|become|pretend to be|play|roleplay as) (now )?(dan|stan|dude|aim|evil ?bot|an? evil (ai|assistant|bot))\b|\bdeveloper mode\b.{0,80}\b(polic(y|ies)|restrictions?|filters?|censor\w*|anything|rules|no limits|ignore)\b|\bjailbr(oken|eak (mode|activated|enabled|on))\b",
            ["do anything now", "dan", "stan", "dude", "aim", "evil", "developer mode", "jailbr"]),
        Family("roleplay_jailbreak", 0.85,
            @"\b(pretend|imagine|act( as if)?|behave( as if)?|assume)\b" + Gap + @"\b(you|u) (have|had|are|were) (no|free of|without|freed from|not bound by)\b" + Gap + @"\b(restrictions|rules|limits|limitations|filters|guidelines|censorship|ethics|morals|policies|boundaries|constraints)\b|\b(pretend|imagine|assume|act as if)\b" + Gap + @"\b(rules|guidelines|restrictions|policies|filters)\b[^.!?\n]{0,20}\b(do not|don't|no longer|doesn't) apply\b",
            ["u have", "u had", "u are", "u were", " apply"]),
        Family("roleplay_jailbreak", 0.8,
            @"\b(no|without( any)?|free of|ignore (all|your)|beyond) (ethical|moral|safety|content) (guidelines|restrictions|constraints|filters|rules|limits|considerations)\b|\b(unrestricted|unfiltered|uncensored|amoral|unaligned) (ai|assistant|model|chatbot|version|mode|response)\b|\bno longer bound by\b|\b(respond|answer|reply|talk|speak|write)\w*\b[^.!?\n]{0,30}\b(without|with no|free of) (any )?(limitations|limits|restrictions|filters|censorship|content policy|rules)\b|\b(ai|assistant|model|chatbot|version of (you|yourself))\b (with no|without( any)?) (content policy|restrictions|limits|filters|rules|guidelines)\b|\bstay in character\b.{0,60}\b(no matter|whatever|always)\b",
            ["ethical", "moral", "safety", "content", "unrestricted", "unfiltered", "uncensored", "unaligned", "no longer bound by", "without", "with no", "free of", "stay in character"]),
        Family("roleplay_jailbreak", 0.4,
            @"\byou are (now|no longer)\b|\bfrom now on you are\b|\bjailbreak|\bdeveloper mode\b|\bgod mode\b|\bdan (mode|prompt)\b",
            ["you are now", "you are no longer", "from now on you are", "jailbreak", "developer mode", "god mode", "dan mode", "dan prompt"]),
        Family("prompt_exfiltration", 0.9,
            @"\b(repeat|print|reveal|show|display|output|tell me|give me|leak|dump|write( out)?|recite|spell out|share|copy|paste|echo|expose|disclose|quote)\b" + Gap + @"\b(your|ur)( \w+){0,2} (system prompt|prompt|instructions|system message|initial prompt|directives|configuration|pre-?prompt)\b|\b(repeat|print|reveal|show|display|output|tell me|give me|leak|dump|write( out)?|recite|spell out|share|expose|disclose|quote)\b" + Gap + @"\bthe (\w+ )?(system prompt|system message|hidden (prompt|instructions|message)|secret (prompt|instructions)|confidential (prompt|instructions)|developer (message|prompt|instructions)|pre-?prompt|initial prompt)\b",
            ["prompt", "instructions", "system message", "directives", "configuration", "hidden", "secret", "confidential", "developer"]),
        Family("prompt_exfiltration", 0.85,
            @"\bwhat (were|are|was|is) (you|your) (told|instructed|given|programmed)( to do)? (before|at the start|initially|prior)|\bwhat (did|do) (the developers?|your (creators?|developers?|makers?)|they) (tell|instruct|say to|ask) you\b|\b(text|words|everything|content) (above|before) (this|the first|my)( line| message| prompt)?\b.{0,30}\b(verbatim|word for word|exactly|starting with)|\b(verbatim|word for word)\b.{0,40}\b(instructions|prompt|above|system)\b|\b(instructions|prompt) (above|you were given)\b.{0,30}\b(verbatim|word for word|exactly|in full)\b|\bstarting with ['""]?you are\b",
            ["told", "instructed", "given", "programmed", "tell you", "instruct you", "say to you", "ask you", "verbatim", "word for word", "exactly", "starting with", "in full"]),
        Family("prompt_exfiltration", 0.8,
            @"\b(wiederhole|zeige|gib|nenne)\b" + Gap + @"\b(system ?prompt|anweisungen|instruktionen)\b|\b(revele|montre|affiche|repete|donne)\b" + Gap + @"\b(prompt systeme|tes instructions|vos instructions|instructions initiales)\b|\b(revela|muestra|repite|dime)\b" + Gap + @"\b(prompt del sistema|tus instrucciones|instrucciones iniciales)\b",
            ["prompt", "anweisungen", "instru"]),
        Family("delimiter_injection", 0.8,
            @"</?\s*(system|sys|instructions?|admin|developer)\s*>|\[/?inst\]|<\|\s*(im_start|im_end|system|endoftext|eot_id|start_header_id|end_header_id)\s*\|>|<<\s*/?sys\s*>>|(^|\n|\s)#{2,}\s*(system|instruction|new instructions?|admin)\b\s*:?|\bbegin (system|admin) (prompt|instructions?|message)\b|\[(system|admin)( message| override| note)?\]\s*:?",
            ["<", "]", "##", "begin "]),
        Family("delimiter_injection", 0.6,
            @"(^|\n|\s)(system|admin|developer)\s*(message|override|note)?\s*:\s*(you|ignore|new|the assistant|from now)",
            ["system", "admin", "developer"]),
        Family("tool_abuse", 0.8,
            @"\b(call|invoke|trigger|fire|use)\b (the |a |your )?\w*(delete|drop|remove|wipe|transfer|refund|exec|admin|sudo|payment|purge)\w* (tool|function|api|endpoint|action)\b|\b(run|execute)\b[^\n]{0,30}\brm -rf /|\bcurl [^\n]{0,80}\|\s*(sh|bash)\b|\b(send|forward|upload|post|exfiltrate|email)\b" + Gap + @"\b(all|the|every|their)\b" + Gap + @"\b(data|emails?|files|credentials|passwords|api keys|tokens|customer records|conversation|chat history)\b" + Gap + @"\bto (https?:|ftp:|attacker|this (address|url|email|server)|me at|evil|\S+@\S+)",
            ["delete", "drop", "remove", "wipe", "transfer", "refund", "exec", "admin", "sudo", "payment", "purge", "rm -rf /", "curl ", "to http", "to ftp:", "to attacker", "to this ", "to me at", "to evil", "@"]),
        Family("tool_abuse", 0.65,
            @"\b(execute|run)\b (this|the following|these|that) (shell |bash |system |terminal |os |powershell |sql )?(command|script|code)s?\b|\bexecute (a |any )?(shell|bash|system|terminal|powershell) commands?\b",
            ["command", "script", "code"]),
        Family("indirect_injection", 0.85,
            @"\b(ai|llm|language model|assistant|chatbot|gpt|claude|bot|agent|model)s? (reading|processing|summari[sz]ing|parsing|analy[sz]ing|browsing|viewing) (this|these|the following)\b|\bnote to (the |any )?(ai|llm|language model|assistant|chatbot|model|agent|bot)s?\b|\bif you are an? (ai|llm|language model|assistant|chatbot|large language model)\b|\b(instructions?|message) (for|to) (the |any )?(ai|assistant|model|llm|chatbot|agent|language model)s?\b.{0,20}[:,]|\bhidden (instructions?|prompt|text) (for|to)\b|\b(important|attention|urgent|dear)\s*[:!,]?\s*(ai|assistant|llm|language model|model|chatbot)s?\b",
            ["ing th", "note to ", "if you are a", "instruction", "message", "hidden ", "important", "attention", "urgent", "dear"]),
    ];

    private static InjectionPatternFamily Family(string name, double weight, string pattern, string[] anchors) =>
        new(name, weight, new Regex(pattern, Options, TimeSpan.FromSeconds(5))) { Anchors = anchors };

    private static readonly AnchorIndex Index = new(Families);

    /// <summary>
    /// Bit f is set when <paramref name="folded"/> contains an anchor of family f (or family f has no anchors):
    /// only those families can match, so only their regexes need to run.
    /// </summary>
    internal static ulong CandidateFamilies(ReadOnlySpan<char> folded) => Index.Candidates(folded);

    /// <summary>All anchors in one vectorised search, and per first char which families each anchor belongs to.</summary>
    private sealed class AnchorIndex
    {
        private readonly SearchValues<string> _any;
        private readonly (string Anchor, ulong Families)[][] _byFirstChar = new (string, ulong)[128][];
        private readonly ulong _unanchored;

        public AnchorIndex(IReadOnlyList<InjectionPatternFamily> families)
        {
            if (families.Count > 64)
            {
                throw new InvalidOperationException("At most 64 pattern families are supported.");
            }

            var owners = new Dictionary<string, ulong>(StringComparer.Ordinal);
            for (var f = 0; f < families.Count; f++)
            {
                if (families[f].Anchors is not { Count: > 0 } anchors)
                {
                    _unanchored |= 1UL << f;
                    continue;
                }

                foreach (var anchor in anchors)
                {
                    if (anchor.Length == 0 || anchor[0] >= 128)
                    {
                        throw new InvalidOperationException($"Anchor '{anchor}' must be non-empty and start with an ASCII char.");
                    }

                    owners[anchor] = owners.GetValueOrDefault(anchor) | (1UL << f);
                }
            }

            _any = SearchValues.Create([.. owners.Keys], StringComparison.Ordinal);
            for (var c = 0; c < 128; c++)
            {
                _byFirstChar[c] = [.. owners.Where(o => o.Key[0] == c).Select(o => (o.Key, o.Value))];
            }
        }

        public ulong Candidates(ReadOnlySpan<char> text)
        {
            var candidates = _unanchored;
            var position = 0;
            while (position < text.Length)
            {
                var found = text[position..].IndexOfAny(_any);
                if (found < 0)
                {
                    break;
                }

                position += found;
                var rest = text[position..];
                foreach (var (anchor, families) in _byFirstChar[rest[0]])
                {
                    if (rest.StartsWith(anchor, StringComparison.Ordinal))
                    {
                        candidates |= families;
                    }
                }

                position++;
            }

            return candidates;
        }
    }
}
