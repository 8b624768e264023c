package conductor

// ItemGroupItems is groupItems, for the tests of package conductor_test.
func ItemGroupItems(tx Tx, payer, groupID string, at Period) ([]CustomLineItem, error) {
	return groupItems(tx, payer, groupID, at)
}
