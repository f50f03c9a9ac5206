package io.imdsprober.policy.calico;

import io.imdsprober.policy.calico.SelectorTokens.Kind;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A parsed Calico selector, evaluated as libcalico-go's {@code selector/parser/ast.go} evaluates
 * it, and printed in its canonical form (every {@code &&} and {@code ||} parenthesised). Pure.
 */
final class SelectorTree {
  private SelectorTree() {}

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
