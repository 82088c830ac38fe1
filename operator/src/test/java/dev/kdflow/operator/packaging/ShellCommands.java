package dev.kdflow.operator.packaging;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The shell commands of a Markdown document's {@code sh} code blocks, split into words. */
final class ShellCommands {
  /** One command: its words (quotes removed) and the here-document it reads, if any. */
  record Command(List<String> words, String stdin) {
    String text() {
      return String.join(" ", words);
    }
  }

  private static final Pattern HEREDOC = Pattern.compile("<<-?'?(\\w+)'?\\s*$");

  private ShellCommands() {}

  static List<Command> fromMarkdown(String markdown, String language) {
    List<Command> commands = new ArrayList<>();
    List<String> lines = markdown.lines().toList();
    boolean inBlock = false;
    StringBuilder pending = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!inBlock) {
        inBlock = line.strip().equals("```" + language);
        continue;
      }
      if (line.strip().equals("```")) {
        inBlock = false;
        continue;
      }
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      pending.append(trimmed);
      String text = pending.toString();
      pending.setLength(0);
      String stdin = null;
      Matcher heredoc = HEREDOC.matcher(text);
      if (heredoc.find()) {
        StringBuilder body = new StringBuilder();
        while (!lines.get(++i).strip().equals(heredoc.group(1))) {
          body.append(lines.get(i)).append('\n');
        }
        stdin = body.toString();
        text = text.substring(0, heredoc.start()).strip();
      }
      commands.add(new Command(words(text), stdin));
    }
    return commands;
  }

  /** Splits like a POSIX shell for the quoting documents use: '...', "..." and plain words. */
  static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (char c : text.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("Unclosed quote in: " + text);
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
