package io.imdsprober.ship;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A ValidatingAdmissionPolicy of the manifests, evaluated as the API server does: its match
 * conditions and validations compiled with CEL for Java (the strings and lists extensions the API
 * server enables), run against a request, the object, the old object and the parameter object. An
 * expression that errors denies (the policies' failurePolicy is Fail); a missing parameter object
 * denies when the binding says {@code parameterNotFoundAction: Deny}.
 */
final class AdmissionPolicy {
  /** The outcome: admitted, or denied with the message of the first failed validation. */
  record Decision(boolean admitted, String message) {}

  private record Rule(
      CelAbstractSyntaxTree ast, String expression, String message, CelAbstractSyntaxTree why) {}

  private record Variable(String name, CelAbstractSyntaxTree ast) {}

  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("object", SimpleType.DYN)
          .addVar("oldObject", SimpleType.DYN)
          .addVar("request", SimpleType.DYN)
          .addVar("params", SimpleType.DYN)
          .addVar("variables", SimpleType.DYN)
          .addCompilerLibraries(CelExtensions.strings(), CelExtensions.lists())
          .addRuntimeLibraries(CelExtensions.strings(), CelExtensions.lists())
          .build();

  /** How an evaluation error is told apart from a value (no policy yields such a string). */
  private static final String FAILED = "\u0000failed: ";

  private final List<Rule> conditions = new ArrayList<>();
  private final List<Variable> variables = new ArrayList<>();
  private final List<Rule> validations = new ArrayList<>();
  private final boolean denyWithoutParams;
  final String failurePolicy;

  /** The policy and its binding of this name in the file. */
  @SuppressWarnings("unchecked")
  AdmissionPolicy(Path file, String name) throws Exception {
    Map<String, Object> policy = null;
    Map<String, Object> binding = null;
    for (String doc : Files.readString(file).split("(?m)^---\\s*$")) {
      if (doc.isBlank()) {
        continue;
      }
      Map<String, Object> o = new YAMLMapper().readValue(doc, Map.class);
      Map<String, Object> meta = (Map<String, Object>) o.get("metadata");
      if (!name.equals(meta.get("name"))) {
        continue;
      }
      if ("ValidatingAdmissionPolicy".equals(o.get("kind"))) {
        policy = o;
      } else if ("ValidatingAdmissionPolicyBinding".equals(o.get("kind"))) {
        binding = o;
      }
    }
    if (policy == null || binding == null) {
      throw new AssertionError("no policy and binding " + name + " in " + file);
    }
    Map<String, Object> spec = (Map<String, Object>) policy.get("spec");
    failurePolicy = (String) spec.get("failurePolicy");
    for (Map<String, Object> c :
        (List<Map<String, Object>>) spec.getOrDefault("matchConditions", List.of())) {
      conditions.add(compile((String) c.get("expression"), (String) c.get("name"), null));
    }
    for (Map<String, Object> v :
        (List<Map<String, Object>>) spec.getOrDefault("variables", List.of())) {
      variables.add(
          new Variable((String) v.get("name"), CEL.compile((String) v.get("expression")).getAst()));
    }
    for (Map<String, Object> v : (List<Map<String, Object>>) spec.get("validations")) {
      validations.add(
          compile(
              (String) v.get("expression"),
              (String) v.get("message"),
              (String) v.get("messageExpression")));
    }
    Map<String, Object> paramRef =
        (Map<String, Object>) ((Map<String, Object>) binding.get("spec")).get("paramRef");
    denyWithoutParams = paramRef != null && "Deny".equals(paramRef.get("parameterNotFoundAction"));
  }

  private static Rule compile(String expression, String message, String messageExpression)
      throws Exception {
    return new Rule(
        CEL.compile(expression).getAst(),
        expression,
        message,
        messageExpression == null ? null : CEL.compile(messageExpression).getAst());
  }

  /** How many validations the policy has. */
  int size() {
    return validations.size();
  }

  /**
   * The decision for one request.
   *
   * @param params the parameter object (a ConfigMap as a map), or null when there is none
   */
  Decision admit(
      Map<String, Object> request, Object object, Object oldObject, Map<String, Object> params) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("request", numbers(request));
    vars.put("object", numbers(object));
    vars.put("oldObject", numbers(oldObject));
    vars.put("params", numbers(params));
    for (Rule c : conditions) {
      Object matched = eval(c.ast(), vars);
      if (Boolean.FALSE.equals(matched)) {
        return new Decision(true, "not matched: " + c.message());
      }
      if (!(matched instanceof Boolean)) {
        return new Decision(false, "match condition " + c.message() + " failed: " + matched);
      }
    }
    if (params == null && denyWithoutParams) {
      return new Decision(false, "no parameter object (parameterNotFoundAction: Deny)");
    }
    // variables in order, each seeing those before it; one that fails is left out, so that an
    // expression using it fails (the API server evaluates them lazily: an error where used)
    Map<String, Object> computed = new LinkedHashMap<>();
    vars.put("variables", computed);
    for (Variable v : variables) {
      Object value = eval(v.ast(), vars);
      if (!(value instanceof String s && s.startsWith(FAILED))) {
        computed.put(v.name(), value);
      }
    }
    for (Rule v : validations) {
      Object ok = eval(v.ast(), vars);
      if (!Boolean.TRUE.equals(ok)) {
        String message = v.message();
        if (v.why() != null) {
          // messageExpression: its string when it yields one, else the static message
          Object why = eval(v.why(), vars);
          if (why instanceof String s && !s.startsWith(FAILED) && !s.isBlank()) {
            message = s;
          }
        }
        return new Decision(
            false,
            message
                + (ok instanceof Boolean
                    ? ""
                    : " (expression failed: " + String.valueOf(ok).replace(FAILED, "") + ")"));
      }
    }
    return new Decision(true, "");
  }

  private static Object eval(CelAbstractSyntaxTree ast, Map<String, Object> vars) {
    try {
      return CEL.createProgram(ast).eval(vars);
    } catch (Exception e) {
      return FAILED + e.getMessage();
    }
  }

  /** JSON numbers as CEL integers (int64): the API server's view of them. */
  @SuppressWarnings("unchecked")
  static Object numbers(Object value) {
    if (value == null) {
      return dev.cel.common.values.NullValue.NULL_VALUE;
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), numbers(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(numbers(v)));
      return out;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    return value;
  }
}
