package io.imdsprober.policy.calico;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Calico's label selector language, parsed as libcalico-go's {@code selector/tokenizer} and {@code
 * selector/parser} parse it and evaluated as its {@code ast.go} evaluates it
 * (docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors): {@code k == 'v'},
 * {@code k != 'v'} (also true without the label), {@code has(k)}, {@code k in {'a','b'}}, {@code k
 * not in {...}} (also true without the label), {@code k contains 's'}, {@code k starts with 's'},
 * {@code k ends with 's'}, {@code all()}, {@code global()}, {@code !}, {@code &&}, {@code ||} and
 * parentheses; string literals in single or double quotes (no escapes); an empty selector is {@code
 * all()}. Precedence: {@code ||} lowest, then {@code &&}, then {@code !}. Pure and immutable.
 */
public final class CalicoSelector {
  /** A selector that does not parse, with where and why. */
  public static final class Invalid extends IllegalArgumentException {
    Invalid(String message) {
      super(message);
    }
  }

  /** Longest input read: a selector is a field of one object, not a document. */
  static final int MAX_LENGTH = 16_384;

  /** Deepest nesting of parentheses and {@code !} read (the parser recurses). */
  static final int MAX_DEPTH = 100;

  /** {@code all()}: every resource in scope. */
  public static final CalicoSelector ALL = new CalicoSelector(new All(), "");

  private final Node root;
  private final String text;
  private final Set<String> keys;
  private final boolean global;

  private CalicoSelector(Node root, String text) {
    this.root = root;
    this.text = text;
    Set<String> k = new HashSet<>();
    boolean[] g = {false};
    root.visit(k, g);
    keys = Collections.unmodifiableSet(k);
    global = g[0];
  }

  /**
   * The selector written as {@code text} (null or blank: {@code all()}).
   *
   * @throws Invalid when it does not parse, saying where
   */
  public static CalicoSelector parse(String text) {
    String t = text == null ? "" : text;
    if (t.length() > MAX_LENGTH) {
      throw new Invalid("longer than " + MAX_LENGTH + " characters");
    }
    List<Token> tokens = Tokenizer.tokens(t);
    if (tokens.get(0).kind == Kind.EOF) {
      return new CalicoSelector(new All(), t);
    }
    Parser p = new Parser(tokens);
    Node n = p.or(0);
    if (p.peek().kind != Kind.EOF) {
      throw new Invalid("unexpected " + p.peek() + " at end of selector");
    }
    return new CalicoSelector(n, t);
  }

  /** Whether the labels match. */
  public boolean matches(Map<String, String> labels) {
    return root.eval(labels);
  }

  /**
   * Whether the labels match when the labels whose keys {@code unknown} accepts are not known
   * (three-valued: null when the answer depends on them).
   */
  public Boolean test(Map<String, String> labels, Predicate<String> unknown) {
    return root.test(labels, unknown);
  }

  /** The label keys it reads (to tell whether an unknown label could change its answer). */
  public Set<String> keys() {
    return keys;
  }

  /** Whether it uses {@code global()} (valid only alone in a rule's namespaceSelector). */
  public boolean usesGlobal() {
    return global;
  }

  /** Whether it is exactly {@code global()}. */
  public boolean isGlobal() {
    return root instanceof Global;
  }

  /** The selector as written. */
  public String text() {
    return text;
  }

  /**
   * The canonical form (every operator parenthesised as libcalico-go prints it); it parses back.
   */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    root.print(b);
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CalicoSelector s && s.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  // --- tokens ---

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

  /** libcalico-go's recursive-descent parser. */
  static final class Parser {
    private final List<Token> tokens;
    private int at;

    Parser(List<Token> tokens) {
      this.tokens = tokens;
    }

    Token peek() {
      return tokens.get(at);
    }

    private Token next() {
      Token t = tokens.get(at);
      if (t.kind != Kind.EOF) {
        at++;
      }
      return t;
    }

    Node or(int depth) {
      List<Node> nodes = new ArrayList<>();
      nodes.add(and(depth));
      while (peek().kind == Kind.OR) {
        next();
        nodes.add(and(depth));
      }
      return nodes.size() == 1 ? nodes.get(0) : new Or(nodes);
    }

    private Node and(int depth) {
      List<Node> nodes = new ArrayList<>();
      nodes.add(operation(depth));
      while (peek().kind == Kind.AND) {
        next();
        nodes.add(operation(depth));
      }
      return nodes.size() == 1 ? nodes.get(0) : new And(nodes);
    }

    private Node operation(int depth) {
      if (depth > MAX_DEPTH) {
        throw new Invalid("nested deeper than " + MAX_DEPTH);
      }
      boolean negated = false;
      while (peek().kind == Kind.NOT) {
        next();
        negated = !negated;
      }
      Token t = next();
      Node n =
          switch (t.kind) {
            case HAS -> new Has(t.value);
            case ALL -> new All();
            case GLOBAL -> new Global();
            case LABEL -> labelOperation(t.value);
            case LPAREN -> {
              Node inner = or(depth + 1);
              if (next().kind != Kind.RPAREN) {
                throw new Invalid("expected )");
              }
              yield inner;
            }
            case EOF -> throw new Invalid("unexpected end of selector");
            default -> throw new Invalid("unexpected " + t);
          };
      return negated ? new Not(n) : n;
    }

    private Node labelOperation(String label) {
      Token op = next();
      switch (op.kind) {
        case EQ, NE, CONTAINS, STARTS_WITH, ENDS_WITH -> {
          Token v = next();
          if (v.kind != Kind.STRING) {
            throw new Invalid("expected a string after " + label + " " + op.kind);
          }
          return new Compare(label, op.kind, v.value);
        }
        case IN, NOT_IN -> {
          if (next().kind != Kind.LBRACE) {
            throw new Invalid("expected a set literal after " + label + " " + op.kind);
          }
          Set<String> values = new TreeSet<>();
          while (peek().kind == Kind.STRING) {
            values.add(next().value);
            if (peek().kind != Kind.COMMA) {
              break;
            }
            next();
          }
          if (next().kind != Kind.RBRACE) {
            throw new Invalid("expected } in the set of " + label);
          }
          return new InSet(label, op.kind == Kind.NOT_IN, values);
        }
        case EOF -> throw new Invalid("unexpected end of selector after " + label);
        default -> throw new Invalid("expected an operator after " + label + ", not " + op);
      }
    }
  }

  // --- the tree ---

  sealed interface Node permits All, Global, Has, Compare, InSet, Not, And, Or {
    boolean eval(Map<String, String> labels);

    /** Three-valued: null when a label it reads is not known. */
    default Boolean test(Map<String, String> labels, Predicate<String> unknown) {
      return eval(labels);
    }

    void print(StringBuilder b);

    void visit(Set<String> keys, boolean[] global);
  }

  record All() implements Node {
    public boolean eval(Map<String, String> labels) {
      return true;
    }

    public void print(StringBuilder b) {
      b.append("all()");
    }

    public void visit(Set<String> keys, boolean[] global) {}
  }

  /** {@code global()}: true wherever it is evaluated (its scope is the caller's business). */
  record Global() implements Node {
    public boolean eval(Map<String, String> labels) {
      return true;
    }

    public void print(StringBuilder b) {
      b.append("global()");
    }

    public void visit(Set<String> keys, boolean[] global) {
      global[0] = true;
    }
  }

  record Has(String key) implements Node {
    public boolean eval(Map<String, String> labels) {
      return labels.containsKey(key);
    }

    public Boolean test(Map<String, String> labels, Predicate<String> unknown) {
      return unknown.test(key) ? null : eval(labels);
    }

    public void print(StringBuilder b) {
      b.append("has(").append(key).append(')');
    }

    public void visit(Set<String> keys, boolean[] global) {
      keys.add(key);
    }
  }

  record Compare(String key, Kind op, String value) implements Node {
    public boolean eval(Map<String, String> labels) {
      String v = labels.get(key);
      if (v == null) {
        return op == Kind.NE;
      }
      return switch (op) {
        case EQ -> v.equals(value);
        case NE -> !v.equals(value);
        case CONTAINS -> v.contains(value);
        case STARTS_WITH -> v.startsWith(value);
        case ENDS_WITH -> v.endsWith(value);
        default -> throw new IllegalStateException(op.name());
      };
    }

    public Boolean test(Map<String, String> labels, Predicate<String> unknown) {
      return unknown.test(key) ? null : eval(labels);
    }

    public void print(StringBuilder b) {
      b.append(key)
          .append(
              switch (op) {
                case EQ -> " == ";
                case NE -> " != ";
                case CONTAINS -> " contains ";
                case STARTS_WITH -> " starts with ";
                case ENDS_WITH -> " ends with ";
                default -> throw new IllegalStateException(op.name());
              });
      quote(b, value);
    }

    public void visit(Set<String> keys, boolean[] global) {
      keys.add(key);
    }
  }

  record InSet(String key, boolean negated, Set<String> values) implements Node {
    public boolean eval(Map<String, String> labels) {
      String v = labels.get(key);
      if (v == null) {
        return negated;
      }
      return values.contains(v) != negated;
    }

    public Boolean test(Map<String, String> labels, Predicate<String> unknown) {
      return unknown.test(key) ? null : eval(labels);
    }

    public void print(StringBuilder b) {
      b.append(key).append(negated ? " not in {" : " in {");
      boolean first = true;
      for (String v : values) {
        if (!first) {
          b.append(", ");
        }
        first = false;
        quote(b, v);
      }
      b.append('}');
    }

    public void visit(Set<String> keys, boolean[] global) {
      keys.add(key);
    }
  }

  record Not(Node operand) implements Node {
    public boolean eval(Map<String, String> labels) {
      return !operand.eval(labels);
    }

    public Boolean test(Map<String, String> labels, Predicate<String> unknown) {
      Boolean v = operand.test(labels, unknown);
      return v == null ? null : !v;
    }

    public void print(StringBuilder b) {
      b.append('!');
      operand.print(b);
    }

    public void visit(Set<String> keys, boolean[] global) {
      operand.visit(keys, global);
    }
  }

  record And(List<Node> operands) implements Node {
    public boolean eval(Map<String, String> labels) {
      for (Node n : operands) {
        if (!n.eval(labels)) {
          return false;
        }
      }
      return true;
    }

    public Boolean test(Map<String, String> labels, Predicate<String> unknown) {
      boolean open = false;
      for (Node n : operands) {
        Boolean v = n.test(labels, unknown);
        if (v == null) {
          open = true;
        } else if (!v) {
          return false;
        }
      }
      return open ? null : true;
    }

    public void print(StringBuilder b) {
      join(b, operands, " && ");
    }

    public void visit(Set<String> keys, boolean[] global) {
      operands.forEach(n -> n.visit(keys, global));
    }
  }

  record Or(List<Node> operands) implements Node {
    public boolean eval(Map<String, String> labels) {
      for (Node n : operands) {
        if (n.eval(labels)) {
          return true;
        }
      }
      return false;
    }

    public Boolean test(Map<String, String> labels, Predicate<String> unknown) {
      boolean open = false;
      for (Node n : operands) {
        Boolean v = n.test(labels, unknown);
        if (v == null) {
          open = true;
        } else if (v) {
          return true;
        }
      }
      return open ? null : false;
    }

    public void print(StringBuilder b) {
      join(b, operands, " || ");
    }

    public void visit(Set<String> keys, boolean[] global) {
      operands.forEach(n -> n.visit(keys, global));
    }
  }

  private static void join(StringBuilder b, List<Node> operands, String op) {
    b.append('(');
    for (int i = 0; i < operands.size(); i++) {
      if (i > 0) {
        b.append(op);
      }
      operands.get(i).print(b);
    }
    b.append(')');
  }

  /** Double quotes, or single ones when the value holds a double quote (as libcalico-go). */
  private static void quote(StringBuilder b, String s) {
    char q = s.indexOf('"') >= 0 ? '\'' : '"';
    b.append(q).append(s).append(q);
  }
}
