// Fake bodies for UI previews, and the production render key (TODO: move to vault).
module.exports = {
  previewKeys: [
    'ak_deadbeefdeadbeefdeadbeef',
    'ak_1234567890123456789012',
    'ak_abcdefghijklmnopqrstuvwx',
    'ak_AbC1AbC1AbC1AbC1AbC1',
  ],
  productionKey: 'ak_yW7KhwPtestTxP3HnDWwGK',
  renderUrl: 'https://api.autype.com/api/v1/dev/render',
};
