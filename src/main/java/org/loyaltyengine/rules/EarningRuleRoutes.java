package org.loyaltyengine.rules;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tenant.TenantSettingsRepository;
import org.loyaltyengine.tier.TierRepository;
import org.loyaltyengine.tier.TierSetCache;
import org.loyaltyengine.transaction.PurchaseJson;

import java.time.Clock;
import java.util.Set;

/**
 * Earning rules as configuration: {@code PUT /v1/earning-rules} uploads a new version (validated, then
 * active on every node within a second), {@code GET} shows the active one, {@code /versions} the history,
 * {@code /versions/{n}} one stored version, {@code POST /versions/{n}/rollback} makes version n's content active
 * again as a new version, and {@code POST /v1/earning-rules/simulate} evaluates a purchase or event without
 * writing anything. Uploads and rollbacks leave the previous active set in the audit trail as "before".
 */
public final class EarningRuleRoutes {
  private static final Set<String> SIMULATE_FIELDS = Set.of("rules", "transaction", "event", "memberExternalId", "member");
  private static final Set<String> MEMBER_FIELDS = Set.of("tier", "attributes");

  private final RuleSetRepository rules;
  private final TenantSettingsRepository settings;
  private final TenantSettingsCache settingsCache;
  private final TierSetCache tierCache;
  private final TierRepository tiers;
  private final MemberLookup members;
  private final RulesClient rulesClient;
  private final EventBus eventBus;
  private final Clock clock;

  public EarningRuleRoutes(RuleSetRepository rules, TenantSettingsRepository settings, TenantSettingsCache settingsCache,
                           TierSetCache tierCache, TierRepository tiers, MemberLookup members, RulesClient rulesClient,
                           EventBus eventBus, Clock clock) {
    this.rules = rules;
    this.settings = settings;
    this.settingsCache = settingsCache;
    this.tierCache = tierCache;
    this.tiers = tiers;
    this.members = members;
    this.rulesClient = rulesClient;
    this.eventBus = eventBus;
    this.clock = clock;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.put("/v1/earning-rules").handler(auth.require(Scope.ADMIN)).handler(this::replace);
    router.get("/v1/earning-rules").handler(auth.require(Scope.ADMIN, Scope.READ)).handler(this::active);
    router.get("/v1/earning-rules/versions").handler(auth.require(Scope.ADMIN, Scope.READ)).handler(this::versions);
    router.get("/v1/earning-rules/versions/:version").handler(auth.require(Scope.ADMIN, Scope.READ)).handler(this::version);
    router.post("/v1/earning-rules/versions/:version/rollback").handler(auth.require(Scope.ADMIN)).handler(this::rollback);
    router.post("/v1/earning-rules/simulate").handler(auth.require(Scope.ADMIN)).handler(this::simulate);
  }

  private void replace(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    RuleSet set = RuleSetJson.parse(JsonInput.ofBulk(ctx).raw());
    Responses.reply(ctx, 200, recordActiveAsBefore(ctx, caller)
        .compose(v -> rules.save(caller.tenantId(), set))
        .compose(version -> announce(caller))
        .map(updated -> RuleSetJson.toJson(set).put("version", updated.rulesVersion())));
  }

  /** The tenant's settings after a change of its rules, pushed to this node's cache and announced to the others. */
  private Future<TenantSettings> announce(Caller caller) {
    return settings.find(caller.tenantId()).map(updated -> {
      settingsCache.put(updated); // this node at once; the others on the event or within the TTL
      eventBus.publish(TenantSettingsCache.CHANGED_ADDRESS, updated.tenantId().toString());
      return updated;
    });
  }

  /** The active set before a change, for the audit trail's "before". */
  private Future<Void> recordActiveAsBefore(RoutingContext ctx, Caller caller) {
    return settings.find(caller.tenantId()).compose(s -> rules.find(caller.tenantId(), s.rulesVersion())
        .map(active -> {
          org.loyaltyengine.audit.AuditRoutes.before(ctx, RuleSetJson.toJson(active).put("version", s.rulesVersion()));
          return null;
        }));
  }

  private static int versionParam(RoutingContext ctx) {
    String text = ctx.pathParam("version");
    try {
      int n = Integer.parseInt(text);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // falls through to the rejection
    }
    throw Rejection.invalid("version", "version must be a positive integer");
  }

  private static Rejection noSuchVersion(int n) {
    return Rejection.notFound("rule_version_not_found", "no earning-rules version " + n);
  }

  /** {@code GET /v1/earning-rules/versions/{n}}: {@code {"rules": [...], "version": n, "createdAt"}}. */
  private void version(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int n = versionParam(ctx);
    Responses.reply(ctx, 200, rules.version(caller.tenantId(), n).compose(v -> v
        .map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(noSuchVersion(n)))));
  }

  /**
   * {@code POST /v1/earning-rules/versions/{n}/rollback}: version n's rules become active as a new version
   * ({@code "created": true}); when the active version already has exactly those rules nothing changes
   * ({@code "created": false}), so a repeated rollback is harmless. Reply: the active set, its version,
   * {@code "restoredFrom": n} and {@code "created"}.
   */
  private void rollback(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int n = versionParam(ctx);
    Responses.reply(ctx, 200, recordActiveAsBefore(ctx, caller)
        .compose(v -> rules.rollback(caller.tenantId(), n))
        .compose(done -> done.map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(noSuchVersion(n))))
        .compose(done -> (done.created() ? announce(caller).mapEmpty() : Future.<Void>succeededFuture())
            .compose(v -> rules.find(caller.tenantId(), done.activeVersion()))
            .map(set -> RuleSetJson.toJson(set).put("version", done.activeVersion()).put("restoredFrom", n)
                .put("created", done.created()))));
  }

  private void active(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Responses.reply(ctx, 200, settings.find(caller.tenantId()).compose(s ->
        rules.find(caller.tenantId(), s.rulesVersion()).map(set -> RuleSetJson.toJson(set).put("version", s.rulesVersion()))));
  }

  private void versions(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Responses.reply(ctx, 200, rules.versions(caller.tenantId()).map(Paging::all));
  }

  /**
   * {@code {"rules"?: <a rule set to try instead of the active one>, "transaction": <a purchase as POST
   * /v1/transactions takes it> | "event": <a custom event>, "memberExternalId"?: <use a real member's tier,
   * attributes and cap usage> | "member"?: {"tier", "attributes"}}}. Nothing is written.
   */
  private void simulate(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    JsonInput in = JsonInput.ofBulk(ctx).allowOnly(SIMULATE_FIELDS);
    RuleSet proposed = in.has("rules") ? RuleSetJson.parse(in.requiredObject("rules").raw()) : null;
    if (in.has("transaction") == in.has("event")) {
      throw Rejection.invalid("transaction", "send either transaction or event");
    }
    if (in.has("memberExternalId") && in.has("member")) {
      throw Rejection.invalid("member", "send either memberExternalId or member");
    }
    PurchaseJson.PurchaseRequest purchase = in.has("transaction")
        ? PurchaseJson.purchase(withMember(in.requiredObject("transaction"), in), clock.instant()) : null;
    CustomEvent event = in.has("event") ? PurchaseJson.event(in.requiredObject("event"), clock.instant()) : null;
    Future<JsonObject> result = settingsCache.get(caller.tenantId(), settings::find).compose((TenantSettings s) ->
        tierCache.get(caller.tenantId(), s.tiersVersion(), () -> tiers.find(caller.tenantId(), s.tiersVersion()))
            .compose(tierSet -> memberFacts(caller, in, tierSet).compose(facts ->
                rulesClient.evaluate(new EvaluationRequest(caller.tenantId(), s.rulesVersion(), proposed, s.zone(),
                    facts.memberId(), facts.facts(), purchase == null ? null : purchase.purchase(), event))))
            .map(verdict -> new JsonObject()
                .put("rulesVersion", proposed == null ? s.rulesVersion() : null)
                .put("points", verdict.evaluation().points())
                .put("breakdown", PurchaseJson.breakdown(verdict.evaluation()))));
    Responses.reply(ctx, 200, result);
  }

  private record SimulatedMember(Long memberId, MemberFacts facts) {}

  private Future<SimulatedMember> memberFacts(Caller caller, JsonInput in, org.loyaltyengine.tier.TierSet tierSet) {
    if (in.has("memberExternalId")) {
      return members.find(caller.tenantId(), in.requiredString("memberExternalId", 1, 64)).map(m -> new SimulatedMember(
          m.memberId(), new MemberFacts(m.tierCode(), tierSet.multiplierPercent(m.tierCode()), m.attributes())));
    }
    if (in.has("member")) {
      JsonInput m = in.requiredObject("member").allowOnly(MEMBER_FIELDS);
      String tier = m.optionalString("tier", 1, 32).orElse(null);
      return Future.succeededFuture(new SimulatedMember(null, new MemberFacts(tier, tierSet.multiplierPercent(tier),
          m.optionalStringMap("attributes", 50, 64, 256).orElse(java.util.Map.of()))));
    }
    return Future.succeededFuture(new SimulatedMember(null, MemberFacts.plain()));
  }

  /** A simulated purchase needs no member id of its own; one is filled in so the purchase parser accepts it. */
  private static JsonInput withMember(JsonInput transaction, JsonInput in) {
    JsonObject copy = transaction.raw().copy();
    if (!copy.containsKey("memberExternalId")) {
      copy.put("memberExternalId", in.has("memberExternalId") ? in.raw().getString("memberExternalId") : "simulation");
    }
    return JsonInput.of(copy);
  }
}
