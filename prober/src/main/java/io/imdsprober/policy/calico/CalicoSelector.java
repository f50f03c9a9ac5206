package io.imdsprober.policy.calico;

import io.imdsprober.policy.calico.SelectorTokens.Kind;
import io.imdsprober.policy.calico.SelectorTokens.Token;
import io.imdsprober.policy.calico.SelectorTokens.Tokenizer;
import io.imdsprober.policy.calico.SelectorTree.All;
import io.imdsprober.policy.calico.SelectorTree.And;
import io.imdsprober.policy.calico.SelectorTree.Compare;
import io.imdsprober.policy.calico.SelectorTree.Global;
import io.imdsprober.policy.calico.SelectorTree.Has;
import io.imdsprober.policy.calico.SelectorTree.InSet;
import io.imdsprober.policy.calico.SelectorTree.Node;
import io.imdsprober.policy.calico.SelectorTree.Not;
import io.imdsprober.policy.calico.SelectorTree.Or;
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
    if (tokens.get(0).kind() == Kind.EOF) {
      return new CalicoSelector(new All(), t);
    }
    Parser p = new Parser(tokens);
    Node n = p.or(0);
    if (p.peek().kind() != Kind.EOF) {
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
      if (t.kind() != Kind.EOF) {
        at++;
      }
      return t;
    }

    Node or(int depth) {
      List<Node> nodes = new ArrayList<>();
      nodes.add(and(depth));
      while (peek().kind() == Kind.OR) {
        next();
        nodes.add(and(depth));
      }
      return nodes.size() == 1 ? nodes.get(0) : new Or(nodes);
    }

    private Node and(int depth) {
      List<Node> nodes = new ArrayList<>();
      nodes.add(operation(depth));
      while (peek().kind() == Kind.AND) {
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
      while (peek().kind() == Kind.NOT) {
        next();
        negated = !negated;
      }
      Token t = next();
      Node n =
          switch (t.kind()) {
            case HAS -> new Has(t.value());
            case ALL -> new All();
            case GLOBAL -> new Global();
            case LABEL -> labelOperation(t.value());
            case LPAREN -> {
              Node inner = or(depth + 1);
              if (next().kind() != Kind.RPAREN) {
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
      switch (op.kind()) {
        case EQ, NE, CONTAINS, STARTS_WITH, ENDS_WITH -> {
          Token v = next();
          if (v.kind() != Kind.STRING) {
            throw new Invalid("expected a string after " + label + " " + op.kind());
          }
          return new Compare(label, op.kind(), v.value());
        }
        case IN, NOT_IN -> {
          if (next().kind() != Kind.LBRACE) {
            throw new Invalid("expected a set literal after " + label + " " + op.kind());
          }
          Set<String> values = new TreeSet<>();
          while (peek().kind() == Kind.STRING) {
            values.add(next().value());
            if (peek().kind() != Kind.COMMA) {
              break;
            }
            next();
          }
          if (next().kind() != Kind.RBRACE) {
            throw new Invalid("expected } in the set of " + label);
          }
          return new InSet(label, op.kind() == Kind.NOT_IN, values);
        }
        case EOF -> throw new Invalid("unexpected end of selector after " + label);
        default -> throw new Invalid("expected an operator after " + label + ", not " + op);
      }
    }
  }
}
