# scripts/bench.sh, part of its one library (also sourced by scripts/capacity.sh): the earning program every
# workload runs against (docs/benchmarks.md, "The workloads"): ten purchase rules, a realistic mix, one
# custom-event rule (the ingestion workload's app_login events), and two tiers. Sets EARN_RULES and EARN_TIERS.
# The earning rules of the benchmark: ten purchase rules, a realistic mix. Two are capped per member (so
# every earning also reads and bumps rule_usage counters); none has a program-wide budget.
skus=$(for n in $(seq 100 149); do printf '"SKU-%d",' "$n"; done); skus=${skus%,}
stores=$(for n in $(seq 1 10); do printf '"store-%d",' "$n"; done); stores=${stores%,}
EARN_RULES=$(cat <<JSON
{"rules": [
  {"id": "base", "name": "1 point per EUR, times the tier multiplier", "trigger": "purchase", "priority": 100,
   "award": {"type": "per_spend", "points": 1, "perAmount": 100, "applyTierMultiplier": true}},
  {"id": "grocery-extra", "name": "+1 point per EUR on groceries", "trigger": "purchase", "priority": 90,
   "conditions": {"categories": ["grocery"]},
   "award": {"type": "per_spend", "points": 1, "perAmount": 100}},
  {"id": "electronics-extra", "name": "+2 points per EUR on electronics, at most 1,000 a month",
   "trigger": "purchase", "priority": 90, "conditions": {"categories": ["electronics"]},
   "award": {"type": "per_spend", "points": 2, "perAmount": 100}, "caps": {"month": 1000}},
  {"id": "personal-care", "name": "25 points with any personal-care line", "trigger": "purchase", "priority": 80,
   "conditions": {"categories": ["personal-care"]}, "award": {"type": "fixed", "points": 25}},
  {"id": "sku-promo", "name": "50 points with a promoted sku, at most 150 a week", "trigger": "purchase",
   "priority": 80, "conditions": {"skus": [$skus]}, "award": {"type": "fixed", "points": 50},
   "caps": {"week": 150}},
  {"id": "big-basket", "name": "100 points from 600 EUR", "trigger": "purchase", "priority": 70,
   "conditions": {"minBasketTotal": 60000}, "award": {"type": "fixed", "points": 100}},
  {"id": "flagship-stores", "name": "20 points in the ten flagship stores", "trigger": "purchase", "priority": 60,
   "conditions": {"channels": ["store"], "stores": [$stores]}, "award": {"type": "fixed", "points": 20}},
  {"id": "online", "name": "+1 point per 2 EUR online", "trigger": "purchase", "priority": 60,
   "conditions": {"channels": ["online"]}, "award": {"type": "per_spend", "points": 1, "perAmount": 200}},
  {"id": "gold-bonus", "name": "50 points per purchase for gold members", "trigger": "purchase", "priority": 60,
   "conditions": {"tiers": ["gold"]}, "award": {"type": "fixed", "points": 50}},
  {"id": "weekend", "name": "+50% on Saturdays and Sundays", "trigger": "purchase", "priority": 10,
   "conditions": {"weekdays": ["SAT", "SUN"]}, "award": {"type": "multiplier", "percent": 150}},
  {"id": "app-login", "name": "5 points per app login, at most 20 a day", "trigger": "event",
   "conditions": {"eventType": "app_login"}, "award": {"type": "fixed", "points": 5}, "caps": {"day": 20}}
]}
JSON
)
EARN_TIERS='{"qualification": {"basis": "rolling_days", "days": 365},
  "tiers": [{"code": "silver", "name": "Silver", "threshold": 2500, "multiplierPercent": 110},
            {"code": "gold", "name": "Gold", "threshold": 6000, "multiplierPercent": 125}]}'
