// Package pricing is the pro forma engine of PROFORMA.md: it routes usage
// lines to billing groups, prices them with the group's pricing rules, adds
// custom line items, and aggregates the result into cost reports. It is pure
// computation: no HTTP, no SQL, no CUR parsing. Callers map CUR records onto
// Line and the domain's groups, rules and items onto Group.
//
// Every rule of PROFORMA.md lives in one small named function (see the rule
// numbers in the doc comments), so that a [choice] can change in one place.
//
// # Streaming
//
// A Calculator keeps only aggregates: per group and period, one sum per
// product name, one per (service code, line item type) for the percentage
// filters, and one usage total per SKU with custom tiers. Memory depends on
// the number of groups, products and tiered SKUs, not on the number of lines.
//
// # Order dependence
//
// Custom tiers (rule 10) price a SKU's usage cumulatively across the period's
// lines, so the price of one line depends on the usage added before it. The
// engine prices each line as the slice [U, U+amount) of the tier curve, where
// U is the SKU's usage so far in the group and period. The curve is additive
// over consecutive slices, so the group's total (and each report) equals the
// tiered price of the SKU's total usage whatever the order of the lines;
// only the split between lines in a pro forma CUR follows the order in which
// they reach Add or Price. Feeding lines in file order (a CUR's order is
// fixed) therefore makes the per-line split reproducible too.
package pricing
