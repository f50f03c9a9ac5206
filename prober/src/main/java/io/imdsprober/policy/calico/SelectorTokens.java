package io.imdsprober.policy.calico;

import io.imdsprober.policy.calico.CalicoSelector.Invalid;
import java.util.ArrayList;
import java.util.List;

/** libcalico-go's selector tokenizer ({@code selector/tokenizer/tokenizer.go}). Pure. */
final class SelectorTokens {
  private SelectorTokens() {}

  enum Kind {
    LABEL,
    STRING,
    LBRACE,
    RBRACE,
    COMMA,
    EQ,
    NE,
    IN,
    NOT,
    NOT_IN,
    CONTAINS,
    STARTS_WITH,
    ENDS_WITH,
    ALL,
    HAS,
    LPAREN,
    RPAREN,
    AND,
    OR,
    GLOBAL,
    EOF
  }

  record Token(Kind kind, String value) {
    @Override
    public String toString() {
      return value == null ? kind.name() : kind.name() + "(" + value + ")";
    }
  }

  /** libcalico-go's tokenizer: the same token rules, the same order of attempts. */
  static final class Tokenizer {
    private Tokenizer() {}

    static List<Token> tokens(String input) {
      List<Token> out = new ArrayList<>();
      int i = 0;
      int n = input.length();
      while (true) {
        while (i < n && (input.charAt(i) == ' ' || input.charAt(i) == '\t')) {
          i++;
        }
        if (i >= n) {
          out.add(new Token(Kind.EOF, null));
          return out;
        }
        Kind last = out.isEmpty() ? null : out.get(out.size() - 1).kind;
        char c = input.charAt(i);
        switch (c) {
          case '(' -> {
            out.add(new Token(Kind.LPAREN, null));
            i++;
          }
          case ')' -> {
            out.add(new Token(Kind.RPAREN, null));
            i++;
          }
          case '"', '\'' -> {
            int end = input.indexOf(c, i + 1);
            if (end < 0) {
              throw new Invalid("unterminated string at " + i);
            }
            out.add(new Token(Kind.STRING, input.substring(i + 1, end)));
            i = end + 1;
          }
          case '{' -> {
            out.add(new Token(Kind.LBRACE, null));
            i++;
          }
          case '}' -> {
            out.add(new Token(Kind.RBRACE, null));
            i++;
          }
          case ',' -> {
            out.add(new Token(Kind.COMMA, null));
            i++;
          }
          case '=' -> {
            if (i + 1 < n && input.charAt(i + 1) == '=') {
              out.add(new Token(Kind.EQ, null));
              i += 2;
            } else {
              throw new Invalid("expected == at " + i);
            }
          }
          case '!' -> {
            if (i + 1 < n && input.charAt(i + 1) == '=') {
              out.add(new Token(Kind.NE, null));
              i += 2;
            } else {
              out.add(new Token(Kind.NOT, null));
              i++;
            }
          }
          case '&' -> {
            if (i + 1 < n && input.charAt(i + 1) == '&') {
              out.add(new Token(Kind.AND, null));
              i += 2;
            } else {
              throw new Invalid("expected && at " + i);
            }
          }
          case '|' -> {
            if (i + 1 < n && input.charAt(i + 1) == '|') {
              out.add(new Token(Kind.OR, null));
              i += 2;
            } else {
              throw new Invalid("expected || at " + i);
            }
          }
          default -> i = word(input, i, last, out);
        }
      }
    }

    /** An operator word after a label, or has(), all(), global(), or a label. */
    private static int word(String input, int i, Kind last, List<Token> out) {
      if (last == Kind.LABEL) {
        String lastLabel = out.get(out.size() - 1).value;
        if (input.startsWith("contains", i)) {
          out.add(new Token(Kind.CONTAINS, null));
          return i + "contains".length();
        }
        for (String[] two : new String[][] {{"starts", "with"}, {"ends", "with"}, {"not", "in"}}) {
          if (input.startsWith(two[0], i)) {
            int j = skipSpace(input, i + two[0].length());
            if (!input.startsWith(two[1], j)) {
              throw new Invalid(
                  "unexpected characters after label '" + lastLabel + "', expected an operator");
            }
            out.add(
                new Token(
                    switch (two[0]) {
                      case "starts" -> Kind.STARTS_WITH;
                      case "ends" -> Kind.ENDS_WITH;
                      default -> Kind.NOT_IN;
                    },
                    null));
            return j + two[1].length();
          }
        }
        if (input.startsWith("in", i)) {
          out.add(new Token(Kind.IN, null));
          return i + 2;
        }
        throw new Invalid(
            "unexpected characters after label '" + lastLabel + "', expected an operator");
      }
      if (input.startsWith("has(", i)) {
        int j = skipSpace(input, i + 4);
        String ident = identifier(input, j);
        if (ident.isEmpty()) {
          throw new Invalid("no label name in has( at " + i);
        }
        j = skipSpace(input, j + ident.length());
        if (j >= input.length() || input.charAt(j) != ')') {
          throw new Invalid("no closing ')' after has( at " + i);
        }
        out.add(new Token(Kind.HAS, ident));
        return j + 1;
      }
      for (String fn : new String[] {"all(", "global("}) {
        if (input.startsWith(fn, i)) {
          int j = skipSpace(input, i + fn.length());
          if (j >= input.length() || input.charAt(j) != ')') {
            throw new Invalid("no closing ')' after " + fn + " at " + i);
          }
          out.add(new Token(fn.equals("all(") ? Kind.ALL : Kind.GLOBAL, null));
          return j + 1;
        }
      }
      String ident = identifier(input, i);
      if (ident.isEmpty()) {
        throw new Invalid("unexpected character at " + i);
      }
      out.add(new Token(Kind.LABEL, ident));
      return i + ident.length();
    }

    private static int skipSpace(String s, int i) {
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
      return i;
    }

    /**
     * libcalico-go's findIdentifier: letters, digits, {@code _ . / -}, ending at the first other
     * character; empty when none follows or when the input ends inside it (it returns "" then).
     */
    private static String identifier(String s, int from) {
      int i = from;
      while (i < s.length()) {
        char c = s.charAt(i);
        boolean ok =
            c >= 'a' && c <= 'z'
                || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9'
                || c == '_'
                || c == '.'
                || c == '/'
                || c == '-';
        if (!ok) {
          return s.substring(from, i);
        }
        i++;
      }
      // at the end of the input: the Go tokenizer's findIdentifier returns "" here
      return "";
    }
  }
}
