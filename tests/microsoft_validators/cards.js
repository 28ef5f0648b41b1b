// Parses Adaptive Cards with Microsoft's own library, as Teams clients do, and prints what it objects to.
// Input (stdin): a JSON array of cards. Output (stdout): a JSON array with, for each card, a list of
// {phase, event, message}: the parser's warnings (unknown types, bad values) and the validation's errors.
const AC = require("adaptivecards/dist/adaptivecards.js");

function problems(card) {
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const found = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    found.push({ phase: e.phase, event: e.event, message: e.message });
  }
  for (const e of parsed.validateProperties().validationEvents) {
    found.push({ phase: e.phase, event: e.event, message: e.message });
  }
  return found;
}

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => process.stdout.write(JSON.stringify(JSON.parse(input).map(problems))));
