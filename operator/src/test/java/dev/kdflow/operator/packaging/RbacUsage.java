package dev.kdflow.operator.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What one user did on the API server, read from its audit log (JSON lines, level Metadata), as
 * (verb, API group, resource) permissions, to compare with the RBAC rules the user is granted.
 *
 * <p>Some permissions are checked without a request of their own verb, so they are added here: a
 * {@code patch} or {@code update} answered 201 created the object, which the API server authorizes
 * as {@code create} too (server-side apply of a new child).
 */
final class RbacUsage {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One permission: verb on group/resource, the resource with its subresource ({@code
   * kdexperiments/status}); group {@code ""} is the core group.
   */
  record Permission(String verb, String group, String resource) implements Comparable<Permission> {
    @Override
    public int compareTo(Permission o) {
      return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
    }
  }

  /** One request of the user: the permission it used and the HTTP status it got. */
  record Request(Permission permission, String namespace, int code, String uri) {}

  private final List<Request> requests;

  private RbacUsage(List<Request> requests) {
    this.requests = requests;
  }

  /** The requests of {@code username} in these audit log lines (other users' are skipped). */
  static RbacUsage of(String username, Collection<String> auditLines) {
    List<Request> requests = new ArrayList<>();
    for (String line : auditLines) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode event;
      try {
        event = JSON.readTree(line);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new UncheckedIOException("not an audit event: " + line, e);
      }
      JsonNode ref = event.path("objectRef");
      if (!username.equals(event.path("user").path("username").asText()) || ref.isMissingNode()) {
        continue; // another user, or a non-resource URL such as /version
      }
      String resource = ref.path("resource").asText();
      if (ref.hasNonNull("subresource")) {
        resource += "/" + ref.path("subresource").asText();
      }
      Permission permission =
          new Permission(event.path("verb").asText(), ref.path("apiGroup").asText(""), resource);
      requests.add(
          new Request(
              permission,
              ref.path("namespace").asText(""),
              event.path("responseStatus").path("code").asInt(),
              event.path("requestURI").asText()));
    }
    return new RbacUsage(requests);
  }

  List<Request> requests() {
    return requests;
  }

  /** Requests the API server refused for lack of permission (403). */
  List<Request> forbidden() {
    return requests.stream().filter(r -> r.code() == 403).collect(Collectors.toList());
  }

  /** Every permission the requests needed, including those implied (see the class comment). */
  Set<Permission> used() {
    Set<Permission> used = new TreeSet<>();
    for (Request r : requests) {
      if (r.code() == 403) {
        continue;
      }
      used.add(r.permission());
      boolean writes =
          r.permission().verb().equals("patch") || r.permission().verb().equals("update");
      if (writes && r.code() == 201) {
        used.add(new Permission("create", r.permission().group(), r.permission().resource()));
      }
    }
    return used;
  }

  /** The permissions these RBAC rules grant, one per verb × group × resource. */
  static Set<Permission> granted(Collection<PolicyRule> rules) {
    Set<Permission> granted = new TreeSet<>();
    for (PolicyRule rule : rules) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            granted.add(new Permission(verb, group, resource));
          }
        }
      }
    }
    return granted;
  }
}
